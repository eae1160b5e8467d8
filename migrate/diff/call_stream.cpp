#include "migrate/diff/call_stream.h"

#include <functional>

#include "store/reader.h"

namespace tapml::migrate {
namespace {

TensorRef ref_of(std::string arg, const store::TensorMeta& t) {
  return TensorRef{std::move(arg), t.hash, t.dtype, t.sizes};
}

StreamCall stream_call(const store::Call& call) {
  StreamCall s;
  s.seq = call.seq;
  s.parent = call.parent;
  s.depth = call.depth;
  s.flags = call.flags;
  s.name = call.name;
  s.op = call.full_name();
  s.scope = call.scope;
  s.inputs = tensor_refs(call.inputs);
  s.outputs = tensor_refs(call.outputs);
  return s;
}

// Children and completion order from the parent links.
void link_tree(CallStream& stream, const std::string& path) {
  const auto count = static_cast<int64_t>(stream.calls.size());
  for (StreamCall& call : stream.calls) {
    if (call.parent < 0) {
      stream.roots.push_back(call.seq);
    } else if (call.parent < call.seq && call.parent < count) {
      stream.calls[static_cast<size_t>(call.parent)].children.push_back(call.seq);
    } else {
      throw store::TraceError(path + ": call " + std::to_string(call.seq) + " has parent " +
                              std::to_string(call.parent) + " (not an earlier call)");
    }
  }
  // Iterative post-order: the tree can be deep, the stream long.
  int64_t rank = 0;
  std::vector<std::pair<int64_t, size_t>> stack;  // (seq, next child)
  for (int64_t root : stream.roots) {
    stack.emplace_back(root, 0);
    while (!stack.empty()) {
      auto& [seq, next] = stack.back();
      StreamCall& call = stream.calls[static_cast<size_t>(seq)];
      if (next < call.children.size()) {
        const int64_t child = call.children[next++];
        stack.emplace_back(child, 0);
      } else {
        call.end_rank = rank++;
        stack.pop_back();
      }
    }
  }
}

}  // namespace

std::vector<TensorRef> tensor_refs(const std::vector<store::Arg>& args) {
  std::vector<TensorRef> refs;
  for (const store::Arg& arg : args) {
    if (arg.value.kind == store::ValueKind::Tensor) {
      refs.push_back(ref_of(arg.name, arg.value.tensor));
    } else if (arg.value.kind == store::ValueKind::TensorList) {
      for (size_t i = 0; i < arg.value.tensors.size(); ++i) {
        if (arg.value.tensors[i]) {
          refs.push_back(ref_of(arg.name + "[" + std::to_string(i) + "]", *arg.value.tensors[i]));
        }
      }
    }
  }
  return refs;
}

CallStream load_stream(const store::TraceReader& reader) {
  CallStream stream;
  stream.calls.reserve(reader.num_calls());
  // The reader reads rows in batches of thousands, so call(i) in order is cheap.
  for (size_t i = 0; i < reader.num_calls(); ++i) {
    stream.calls.push_back(stream_call(reader.call(i)));
  }
  for (size_t i = 0; i < stream.calls.size(); ++i) {
    if (stream.calls[i].seq != static_cast<int64_t>(i)) {
      throw store::TraceError(reader.path() + ": call row " + std::to_string(i) + " has seq " +
                              std::to_string(stream.calls[i].seq));
    }
  }
  link_tree(stream, reader.path());
  return stream;
}

}  // namespace tapml::migrate
