#include "engine/models/model_spec.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "engine/core/field_reader.h"
#include "engine/util/error.h"

namespace lb {
namespace {

using nlohmann::json;

// The fields each kind stores besides "type"; its name is in kLayerKindNames.
struct KindInfo {
  LayerKind kind;
  std::set<std::string> fields;  // besides "type"
};

const std::array<KindInfo, 12>& kinds() {
  static const std::array<KindInfo, 12> all = {{
      {LayerKind::Conv2d, {"out", "kernel", "stride", "padding", "bias"}},
      {LayerKind::BatchNorm2d, {}},
      {LayerKind::ReLU, {}},
      {LayerKind::LeakyReLU, {"slope"}},
      {LayerKind::GELU, {}},
      {LayerKind::MaxPool2d, {"kernel", "stride"}},
      {LayerKind::AvgPool2d, {"kernel", "stride"}},
      {LayerKind::AdaptiveAvgPool2d, {"size"}},
      {LayerKind::Dropout, {"p"}},
      {LayerKind::Flatten, {}},
      {LayerKind::Linear, {"out", "in", "bias"}},
      {LayerKind::Residual, {"out", "stride"}},
  }};
  return all;
}

const KindInfo& infoOf(LayerKind kind) {
  for (const auto& k : kinds())
    if (k.kind == kind) return k;
  throw Error("Unknown layer kind.");  // unreachable: every enumerator is listed above
}

LayerSpec layerFromJson(const json& object, const std::string& prefix, const std::string& where) {
  if (!object.is_object())
    throw Error("The field \"" + prefix + "\"" + (where.empty() ? "" : " in " + where) +
                " must be an object such as {\"type\": \"ReLU\"}.");
  const auto t = object.find("type");
  std::string names;
  for (const auto& k : kLayerKindNames) names += std::string(names.empty() ? "" : ", ") + k.name;
  if (t == object.end() || !t->is_string())
    throw Error("The field \"" + prefix + ".type\"" + (where.empty() ? "" : " in " + where) +
                " must name the layer: one of " + names + ".");
  const auto kind = findName(kLayerKindNames, t->get<std::string>());
  if (!kind)
    throw Error("The field \"" + prefix + ".type\"" + (where.empty() ? "" : " in " + where) +
                " must be one of " + names + ", not \"" + t->get<std::string>() + "\".");
  std::set<std::string> known = infoOf(*kind).fields;
  known.insert("type");
  FieldReader r(object, prefix, where, known);
  LayerSpec l = layerOf(*kind);
  const bool pool = l.kind == LayerKind::MaxPool2d || l.kind == LayerKind::AvgPool2d;
  l.out = r.integer("out", l.out, l.kind == LayerKind::Linear ? 0 : 1, 65536);
  l.in = r.integer("in", l.in, 1, 1 << 30);
  l.kernel = r.integer("kernel", l.kernel, 1, 1024);
  l.stride = r.integer("stride", l.stride, pool ? 0 : 1, 1024);
  l.padding = r.integer("padding", l.padding, 0, 1024);
  l.bias = r.boolean("bias", l.bias);
  l.slope = r.number("slope", l.slope, 0, 1e308);
  l.p = r.number("p", l.p, 0, 1);
  l.size = r.integer("size", l.size, 1, 1024);
  return l;
}

json layerToJson(const LayerSpec& l) {
  json j = json::object();
  j["type"] = layerKindName(l.kind);
  for (const auto& field : infoOf(l.kind).fields) {
    // Linear's 0s mean "the class count" / "inferred": leave them out, as the user did.
    if (l.kind == LayerKind::Linear && (field == "out" || field == "in") &&
        (field == "out" ? l.out : l.in) == 0)
      continue;
    if (field == "out") j[field] = l.out;
    if (field == "in") j[field] = l.in;
    if (field == "kernel") j[field] = l.kernel;
    if (field == "stride") j[field] = l.stride;
    if (field == "padding") j[field] = l.padding;
    if (field == "bias") j[field] = l.bias;
    if (field == "slope") j[field] = l.slope;
    if (field == "p") j[field] = l.p;
    if (field == "size") j[field] = l.size;
  }
  return j;
}

}  // namespace

LayerSpec layerOf(LayerKind kind) {
  LayerSpec l;
  l.kind = kind;
  switch (kind) {
    case LayerKind::Conv2d: l.out = 32; break;
    case LayerKind::Residual: l.out = 64; break;
    case LayerKind::MaxPool2d:
    case LayerKind::AvgPool2d:
      l.kernel = 2;
      l.stride = 0;
      break;
    default: break;
  }
  return l;
}

const std::vector<std::string>& modelNames() {
  static const std::vector<std::string> names = {"simple_cnn", "resnet18", "resnet34", "mlp",
                                                 "layers"};
  return names;
}

const std::vector<std::string>& modelInits() {
  static const std::vector<std::string> inits = {"kaiming", "pytorch"};
  return inits;
}

ModelSpec modelSpecFromJson(const json& object, const std::string& where,
                            const ModelSpec& defaults) {
  ModelSpec spec = defaults;
  spec.layers.clear();
  // The name decides which other fields belong, so read it before checking the rest.
  std::string name = spec.name;
  if (object.is_object()) {
    const auto n = object.find("name");
    if (n != object.end() && n->is_string()) name = n->get<std::string>();
  }
  // An unknown name is said before the fields, or they would be reported as the unknown ones.
  if (std::find(modelNames().begin(), modelNames().end(), name) == modelNames().end()) {
    std::set<std::string> all;
    for (const auto& item : object.items()) all.insert(item.key());
    FieldReader(object, "model", where, all)
        .fail("model.name", "must be one of simple_cnn, resnet18, resnet34, mlp or layers, not \"" +
                                name + "\"");
  }
  std::set<std::string> known = {"name", "pretrained", "init"};
  if (name == "simple_cnn") known.insert("channels");
  if (name == "resnet18" || name == "resnet34") known.insert({"smallImages", "head"});
  if (name == "mlp") known.insert({"hidden", "dropout"});
  if (name == "layers") known.insert("layers");
  FieldReader r(object, "model", where, known);
  spec.name = r.text("name", spec.name);
  bool knownName = false;
  for (const auto& n : modelNames()) knownName = knownName || n == spec.name;
  if (!knownName)
    r.fail("model.name", "must be one of simple_cnn, resnet18, resnet34, mlp or layers, not \"" +
                             spec.name + "\"");
  spec.channels = r.integers("channels", spec.channels, 4096, false);
  spec.smallImages = r.boolean("smallImages", spec.smallImages);
  spec.head = r.text("head", spec.head);
  if (spec.head != "torchvision" && spec.head != "fastai")
    r.fail("model.head", "must be \"torchvision\" (avgpool + fc) or \"fastai\" (concat pooling, "
                         "two linear layers)");
  spec.hidden = r.integers("hidden", spec.hidden, 1 << 20, true);
  spec.dropout = r.number("dropout", spec.dropout, 0, 1);
  spec.pretrained = r.text("pretrained", spec.pretrained);
  spec.init = r.text("init", spec.init);
  if (std::find(modelInits().begin(), modelInits().end(), spec.init) == modelInits().end())
    r.fail("model.init", "must be \"kaiming\" (the model's own rule, fastai's for the simple CNN) "
                         "or \"pytorch\" (PyTorch's default initialisation), not \"" +
                             spec.init + "\"");
  if (const json* layers = r.find("layers")) {
    if (!layers->is_array()) r.fail("model.layers", "must be a list of layers");
    for (std::size_t i = 0; i < layers->size(); ++i)
      spec.layers.push_back(
          layerFromJson((*layers)[i], "model.layers[" + std::to_string(i) + "]", where));
  }
  return spec;
}

json modelSpecToJson(const ModelSpec& spec) {
  json j = json::object();
  j["name"] = spec.name;
  if (spec.name == "simple_cnn") j["channels"] = spec.channels;
  if (spec.name == "resnet18" || spec.name == "resnet34") {
    j["smallImages"] = spec.smallImages;
    j["head"] = spec.head;
  }
  if (spec.name == "mlp") {
    j["hidden"] = spec.hidden;
    j["dropout"] = spec.dropout;
  }
  if (spec.name == "layers") {
    j["layers"] = json::array();
    for (const auto& l : spec.layers) j["layers"].push_back(layerToJson(l));
  }
  if (!spec.pretrained.empty()) j["pretrained"] = spec.pretrained;
  if (spec.init != ModelSpec{}.init) j["init"] = spec.init;
  return j;
}

}  // namespace lb
