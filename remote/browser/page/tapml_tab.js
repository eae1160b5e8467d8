// TapML's browser device (remote/browser/tab_device.h drives it). The page
// opens a WebSocket to the server it came from, says hello with the token
// from its #token= fragment and its adapter's limits, then runs what it is
// sent, in order: buffers, uploads, copies, WGSL compute passes, reads. It
// computes nothing of its own: the kernels and their layout are TapML's,
// the same WGSL the native WebGPU device runs. Every message is one binary
// frame: a u32 little-endian header length, the JSON header, raw bytes
// (remote/browser/tab_message.h). Errors WebGPU reports for a pass come back
// with the next read or finish; console errors and warnings go to TapML's
// log.
'use strict';

const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
let socket = null;
let received = 0;

function show(text) {
  document.getElementById('status').textContent = text;
}

function encode(header, payload) {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const bytes = payload ? payload.byteLength : 0;
  const frame = new Uint8Array(4 + json.length + bytes);
  new DataView(frame.buffer).setUint32(0, json.length, true);
  frame.set(json, 4);
  if (payload) frame.set(payload, 4 + json.length);
  return frame;
}

function decode(data) {
  const length = new DataView(data).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(data, 4, length)));
  return {header, payload: new Uint8Array(data, 4 + length)};
}

function send(header, payload) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(encode(header, payload));
}

// Console errors and warnings, and whatever is thrown uncaught, into TapML's log.
for (const level of ['error', 'warn']) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    original(...args);
    send({type: 'console', level, text: args.map(String).join(' ')});
  };
}
window.addEventListener('error', (e) => console.error(`uncaught: ${e.message} at ${e.filename}:${e.lineno}`));
window.addEventListener('unhandledrejection', (e) => console.error(`unhandled rejection: ${e.reason}`));

async function openDevice() {
  if (!navigator.gpu) {
    throw new Error('navigator.gpu is missing: WebGPU is off (Chromium: --enable-unsafe-webgpu on http://127.0.0.1)');
  }
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() found no adapter');
  // The adapter's own limits: the defaults are far below a GPU's, and TapML
  // cuts views to the binding size it is told.
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
    },
  });
  const info = adapter.info || {};
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  return {device, name: name || 'unnamed adapter'};
}

// The device's state: buffers and pipelines by TapML's ids, and the error
// scopes of the passes not yet reported.
class Runner {
  constructor(device) {
    this.device = device;
    this.buffers = new Map();
    this.pipelines = new Map();
    this.scopes = [];
    this.errors = [];
    device.addEventListener('uncapturederror', (e) => this.errors.push(e.error.message));
    device.lost.then((info) => send({type: 'lost', message: `${info.reason}: ${info.message}`}));
  }

  buffer(id) {
    const found = this.buffers.get(id);
    if (!found) throw new Error(`no buffer ${id}`);
    return found;
  }

  // Runs `body` inside a validation error scope; its error, if any, is
  // reported with the next reply.
  scoped(what, body) {
    this.device.pushErrorScope('validation');
    try {
      body();
    } catch (e) {
      this.errors.push(`${what}: ${e.message || e}`);
    } finally {
      this.scopes.push(this.device.popErrorScope().then((e) => {
        if (e) this.errors.push(`${what}: ${e.message}`);
      }));
    }
  }

  async takeErrors() {
    await Promise.all(this.scopes);
    this.scopes = [];
    const text = this.errors.join('; ');
    this.errors = [];
    return text;
  }

  submit(record) {
    const encoder = this.device.createCommandEncoder();
    record(encoder);
    this.device.queue.submit([encoder.finish()]);
  }

  async handle({header, payload}) {
    for (const id of header.free || []) {
      const buffer = this.buffers.get(id);
      if (buffer) buffer.destroy();
      this.buffers.delete(id);
    }
    switch (header.type) {
      case 'welcome':
        show(`tab ${header.tab}: connected, waiting for work`);
        return;
      case 'error':
        show(`refused: ${header.message}`);
        return;
      case 'alloc':
        this.scoped(`alloc ${header.bytes}`, () => {
          this.buffers.set(header.id, this.device.createBuffer({size: header.bytes, usage: STORAGE}));
        });
        return;
      case 'write':
        this.scoped('upload', () => this.device.queue.writeBuffer(this.buffer(header.id), header.offset, payload));
        return;
      case 'copy':
        this.scoped('copy', () => this.submit((e) => e.copyBufferToBuffer(this.buffer(header.from), 0, this.buffer(header.to), 0, header.bytes)));
        return;
      case 'kernel':
        this.scoped(`kernel ${header.key} does not build`, () => {
          const module = this.device.createShaderModule({code: header.source});
          this.pipelines.set(header.key, this.device.createComputePipeline({layout: 'auto', compute: {module, entryPoint: 'main'}}));
        });
        return;
      case 'pass':
        this.scoped(header.key, () => {
          const pipeline = this.pipelines.get(header.key);
          if (!pipeline) throw new Error(`kernel ${header.key} was never sent`);
          const group = this.device.createBindGroup({
            layout: pipeline.getBindGroupLayout(0),
            entries: header.buffers.map((id, binding) => ({binding, resource: {buffer: this.buffer(id)}})),
          });
          this.submit((e) => {
            const pass = e.beginComputePass();
            pass.setPipeline(pipeline);
            pass.setBindGroup(0, group);
            pass.dispatchWorkgroups(header.groups);
            pass.end();
          });
        });
        return;
      case 'read': {
        let data = new Uint8Array(0);
        let failed = '';
        try {
          const staging = this.device.createBuffer({size: header.bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST});
          this.submit((e) => e.copyBufferToBuffer(this.buffer(header.id), header.offset, staging, 0, header.bytes));
          await staging.mapAsync(GPUMapMode.READ);
          data = new Uint8Array(staging.getMappedRange()).slice();
          staging.unmap();
          staging.destroy();
        } catch (e) {
          failed = `read: ${e.message || e}`;
        }
        const errors = [await this.takeErrors(), failed].filter(Boolean).join('; ');
        send({type: 'data', reply: header.req, error: errors}, data);
        return;
      }
      case 'finish':
        await this.device.queue.onSubmittedWorkDone();
        send({type: 'done', reply: header.req, error: await this.takeErrors()});
        return;
      default:
        console.warn(`TapML sent an unknown message type '${header.type}'`);
    }
  }
}

async function main() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
  const hello = {type: 'hello', token, agent: navigator.userAgent};
  let runner = null;
  try {
    const {device, name} = await openDevice();
    runner = new Runner(device);
    hello.adapter = name;
    hello.limits = {
      max_binding_bytes: device.limits.maxStorageBufferBindingSize,
      max_buffer_bytes: device.limits.maxBufferSize,
    };
  } catch (e) {
    hello.error = String(e.message || e);
    show(`no WebGPU: ${hello.error}`);
  }
  socket = new WebSocket(`ws://${location.host}/tapml`);
  socket.binaryType = 'arraybuffer';
  let queue = Promise.resolve();
  socket.onopen = () => socket.send(encode(hello));
  socket.onmessage = (event) => {
    const message = decode(event.data);
    received += 1;
    if (received % 1000 === 0) document.getElementById('counts').textContent = `${received} messages`;
    if (!runner) return;
    // In order, one at a time: a read must see every pass before it.
    queue = queue.then(() => runner.handle(message)).catch((e) => console.error(`${message.header.type}: ${e.message || e}`));
  };
  socket.onclose = (event) => show(`disconnected (${event.code}${event.reason ? ': ' + event.reason : ''})`);
}

main();
