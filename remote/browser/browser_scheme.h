// The browser:// target: `browser://HOST:PORT` serves the page on HOST:PORT
// (tab_hub.h) and offers the tab that opens it as a WebGPU device, named
// "webgpu" like the native WebGPU backend, with the same lowered kernel
// table: `tapml-serve --target browser://127.0.0.1:8600` answers clients
// that ask for remote://HOST:PORT/webgpu, and `tapml-replay --target
// browser://127.0.0.1:8600` replays in the tab directly. Settings:
// token_file (else TAPML_TOKEN, as tapml-serve), wait (seconds a device
// waits for a tab, default 120) and reply_timeout (seconds, default 600).
#pragma once

namespace tapml::remote::browser {

// Lets every target resolver of this program open browser:// targets.
void register_browser_scheme();

}  // namespace tapml::remote::browser
