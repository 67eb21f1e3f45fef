#include "engine/data/data_block_spec.h"

#include <nlohmann/json.hpp>

#include "engine/core/field_reader.h"

namespace lb {

using nlohmann::json;

DataBlockSpec dataBlockFromJson(const json& object, const std::string& where,
                                const DataBlockSpec& defaults) {
  DataBlockSpec s = defaults;
  FieldReader r(object, "data", where,
                {"source", "path", "limit", "extensions", "csv", "input", "target", "split",
                 "label", "resize", "randomResizedCrop", "augment", "normalize", "cache",
                 "cacheMb", "workers", "vocab", "groupByAspect"});
  s.source = r.choice("source", s.source, kSourceKindNames);
  s.path = r.text("path", s.path);
  s.limit = r.integer("limit", s.limit, 0, DataBlockSpec::kMaxLimit);
  s.extensions = r.texts("extensions", s.extensions);
  s.input = r.choice("input", s.input, kInputKindNames);
  s.target = r.choice("target", s.target, kTargetKindNames);
  s.normalize = r.choice("normalize", s.normalize, kNormalizeKindNames);
  s.cache = r.boolean("cache", s.cache);
  s.cacheMb = r.integer("cacheMb", s.cacheMb, -1, 1 << 24);
  s.workers = r.integer("workers", s.workers, 0, 256);
  s.vocab = r.texts("vocab", s.vocab);
  s.groupByAspect = r.boolean("groupByAspect", s.groupByAspect);

  FieldReader csv(r.object("csv"), "data.csv", where,
                  {"pathColumn", "labelColumn", "validColumn", "labelDelimiter", "folder"});
  s.csv.pathColumn = csv.text("pathColumn", s.csv.pathColumn);
  s.csv.labelColumn = csv.text("labelColumn", s.csv.labelColumn);
  s.csv.validColumn = csv.text("validColumn", s.csv.validColumn);
  s.csv.labelDelimiter = csv.text("labelDelimiter", s.csv.labelDelimiter);
  s.csv.folder = csv.text("folder", s.csv.folder);

  FieldReader split(r.object("split"), "data.split", where,
                    {"kind", "validPct", "seed", "trainName", "validName", "file"});
  s.split.kind = split.choice("kind", s.split.kind, kSplitKindNames);
  s.split.validPct = split.number("validPct", s.split.validPct, 0.0, 1.0);
  s.split.seed = std::uint64_t(split.integer("seed", int(s.split.seed), 0, 2147483647));
  s.split.trainName = split.text("trainName", s.split.trainName);
  s.split.validName = split.text("validName", s.split.validName);
  s.split.file = split.text("file", s.split.file);

  FieldReader label(r.object("label"), "data.label", where, {"kind", "regex"});
  s.label.kind = label.choice("kind", s.label.kind, kLabelKindNames);
  s.label.regex = label.text("regex", s.label.regex);

  FieldReader resize(r.object("resize"), "data.resize", where, {"width", "height", "method", "pad"});
  s.resize.width = resize.integer("width", s.resize.width, 0, 8192);
  s.resize.height = resize.integer("height", s.resize.height, 0, 8192);
  s.resize.method = resize.choice("method", s.resize.method, kResizeMethodNames);
  s.resize.pad = resize.choice("pad", s.resize.pad, kPadModeNames);
  if ((s.resize.width == 0) != (s.resize.height == 0))
    resize.fail("data.resize", "needs both a width and a height (or neither, to keep the size)");

  FieldReader rrc(r.object("randomResizedCrop"), "data.randomResizedCrop", where,
                  {"enabled", "minScale", "minRatio", "maxRatio"});
  auto& c = s.randomResizedCrop;
  c.enabled = rrc.boolean("enabled", c.enabled);
  c.minScale = rrc.number("minScale", c.minScale, 0.01, 1.0000001);
  c.minRatio = rrc.positive("minRatio", c.minRatio);
  c.maxRatio = rrc.positive("maxRatio", c.maxRatio);
  if (c.minRatio > c.maxRatio) rrc.fail("data.randomResizedCrop.minRatio", "must not exceed maxRatio");

  FieldReader aug(r.object("augment"), "data.augment", where,
                  {"enabled", "flip", "flipVertical", "maxRotate", "minZoom", "maxZoom",
                   "maxWarp", "maxLighting", "pAffine", "pLighting"});
  auto& a = s.augment;
  a.enabled = aug.boolean("enabled", a.enabled);
  a.flip = aug.boolean("flip", a.flip);
  a.flipVertical = aug.boolean("flipVertical", a.flipVertical);
  a.maxRotate = aug.number("maxRotate", a.maxRotate, 0.0, 180.0000001);
  a.minZoom = aug.number("minZoom", a.minZoom, 0.1, 10.0);
  a.maxZoom = aug.number("maxZoom", a.maxZoom, 0.1, 10.0);
  a.maxWarp = aug.number("maxWarp", a.maxWarp, 0.0, 1.0);
  a.maxLighting = aug.number("maxLighting", a.maxLighting, 0.0, 1.0);
  a.pAffine = aug.number("pAffine", a.pAffine, 0.0, 1.0000001);
  a.pLighting = aug.number("pLighting", a.pLighting, 0.0, 1.0000001);
  if (a.minZoom > a.maxZoom) aug.fail("data.augment.minZoom", "must not exceed maxZoom");
  return s;
}

void dataBlockToJson(const DataBlockSpec& s, json& out) {
  out = json::object();
  out["source"] = sourceKindName(s.source);
  out["path"] = s.path;
  if (s.source == SourceKind::FashionMnist) out["limit"] = s.limit;
  out["extensions"] = s.extensions;
  if (s.source == SourceKind::Csv)
    out["csv"] = {{"pathColumn", s.csv.pathColumn},     {"labelColumn", s.csv.labelColumn},
                  {"validColumn", s.csv.validColumn},   {"labelDelimiter", s.csv.labelDelimiter},
                  {"folder", s.csv.folder}};
  out["input"] = inputKindName(s.input);
  out["target"] = targetKindName(s.target);
  out["split"] = {{"kind", splitKindName(s.split.kind)}, {"validPct", s.split.validPct},
                  {"seed", s.split.seed},                {"trainName", s.split.trainName},
                  {"validName", s.split.validName},      {"file", s.split.file}};
  out["label"] = {{"kind", labelKindName(s.label.kind)}, {"regex", s.label.regex}};
  out["resize"] = {{"width", s.resize.width}, {"height", s.resize.height},
                   {"method", resizeMethodName(s.resize.method)}, {"pad", padModeName(s.resize.pad)}};
  const auto& c = s.randomResizedCrop;
  out["randomResizedCrop"] = {{"enabled", c.enabled}, {"minScale", c.minScale},
                              {"minRatio", c.minRatio}, {"maxRatio", c.maxRatio}};
  const auto& a = s.augment;
  out["augment"] = {{"enabled", a.enabled},       {"flip", a.flip},
                    {"flipVertical", a.flipVertical}, {"maxRotate", a.maxRotate},
                    {"minZoom", a.minZoom},       {"maxZoom", a.maxZoom},
                    {"maxWarp", a.maxWarp},       {"maxLighting", a.maxLighting},
                    {"pAffine", a.pAffine},       {"pLighting", a.pLighting}};
  out["normalize"] = normalizeKindName(s.normalize);
  out["cache"] = s.cache;
  out["cacheMb"] = s.cacheMb;
  out["workers"] = s.workers;
  out["vocab"] = s.vocab;
  if (s.groupByAspect) out["groupByAspect"] = true;  // written only when on: old files keep their bytes
}

}  // namespace lb
