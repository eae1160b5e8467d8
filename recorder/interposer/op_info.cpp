#include "recorder/interposer/op_info.h"

#include <ATen/core/function_schema.h>

#include <cstring>
#include <sstream>

namespace tapml::recorder {

namespace {

IntMeaning int_meaning_of(const c10::TypePtr& type) {
  c10::TypePtr t = type;
  if (auto optional = t->cast<c10::OptionalType>()) t = optional->getElementType();
  switch (t->kind()) {
    case c10::TypeKind::ScalarTypeType:
      return IntMeaning::kScalarType;
    case c10::TypeKind::LayoutType:
      return IntMeaning::kLayout;
    case c10::TypeKind::MemoryFormatType:
      return IntMeaning::kMemoryFormat;
    default:
      return IntMeaning::kInt;
  }
}

std::string type_text(const c10::Argument& arg) {
  // The schema spells fixed-size lists "int[2]"; the type alone says "int[]".
  std::string text = arg.real_type()->str();
  if (arg.N()) {
    auto pos = text.find("[]");
    if (pos != std::string::npos) text.insert(pos + 1, std::to_string(*arg.N()));
  }
  return text;
}

std::vector<ArgInfo> arg_infos(const std::vector<c10::Argument>& args, bool are_returns) {
  std::vector<ArgInfo> infos;
  infos.reserve(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    ArgInfo info;
    info.name = args[i].name();
    if (info.name.empty() && are_returns) {
      info.name = i == 0 ? "result" : "result" + std::to_string(i);
    }
    info.type = type_text(args[i]);
    info.int_meaning = int_meaning_of(args[i].real_type());
    info.unread = args[i].is_out();
    const c10::AliasInfo* alias = args[i].alias_info();
    info.read_only_alias = are_returns && alias != nullptr && !alias->isWrite();
    info.written = !are_returns && alias != nullptr && alias->isWrite();
    infos.push_back(std::move(info));
  }
  return infos;
}

bool overwrites_self(const std::string& name) {
  return name == "aten::copy_" || name == "aten::fill_" || name == "aten::zero_";
}

}  // namespace

OpInfoCache::OpInfoCache(const std::string& include, const std::string& exclude)
    : include_(include, "include"), exclude_(exclude, "exclude") {}

const OpInfo& OpInfoCache::lookup(const at::RecordFunction& fn) {
  const char* name = fn.name();
  const char* overload = fn.overload_name();
  auto it = by_pointer_.find(Key{name, overload});
  if (it != by_pointer_.end() && it->second.name_copy == name &&
      it->second.overload_copy == overload) {
    return *it->second.info;
  }
  const OpInfo& info = build(fn);
  by_pointer_[Key{name, overload}] = Entry{name, overload, &info};
  return info;
}

const OpInfo& OpInfoCache::build(const at::RecordFunction& fn) {
  std::string name = fn.name();
  std::string overload = fn.overload_name();
  std::string full = overload.empty() ? name : name + "." + overload;
  auto found = by_name_.find(full);
  if (found != by_name_.end()) return *found->second;

  auto info = std::make_unique<OpInfo>();
  info->name = name;
  info->overload = overload;
  info->full_name = full;
  auto schema = fn.operator_schema();
  if (schema && !name.starts_with("tapml::")) {
    info->is_operator = true;
    std::ostringstream printed;
    printed << *schema;
    info->schema = printed.str();
    info->args = arg_infos(schema->arguments(), false);
    info->returns = arg_infos(schema->returns(), true);
    info->op_class = store::classify_op(name);
    if (overwrites_self(name) && !info->args.empty() && info->args[0].name == "self") {
      info->args[0].unread = true;
    }
    info->selected =
        include_.matches(full) && (exclude_.matches_every_op() || !exclude_.matches(full));
  }
  const OpInfo& ref = *info;
  by_name_.emplace(full, std::move(info));
  return ref;
}

}  // namespace tapml::recorder
