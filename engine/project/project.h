#pragma once
// A Learnbench project: one versioned JSON file (*.lbproj) naming the data, the model and the
// training settings. loadProject validates every field and throws lb::Error naming the file and
// the bad field; saveProject writes atomically (write a temporary file, then rename), so a crash
// never leaves a half-written project.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/models/model_spec.h"

namespace lb {

inline constexpr int kProjectFormatVersion = 1;
inline constexpr const char* kDefaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct DataSettings {
  std::string source = "fashion-mnist";       // the only source in this version
  std::string path = kDefaultFashionMnistDir;  // relative paths are relative to the project file
  int limit = 0;  // 0 = all; else training items kept (class-balanced), validation in proportion
};

// The project's "model" object: a ModelSpec (a zoo entry or a layer list); the default is the
// simple CNN.
using ModelSettings = ModelSpec;

struct TrainSettings {
  int epochs = 1;
  double lr = 1e-2;  // lr_max of the one-cycle schedule
  int batchSize = 64;
  std::uint64_t seed = 42;
  int threads = 0;  // intra-op threads; 0 = one per core
};

struct Project {
  int formatVersion = kProjectFormatVersion;
  std::string name = "Untitled";
  DataSettings data;
  ModelSettings model;
  TrainSettings train;
  std::filesystem::path file;  // where it was loaded from or saved to; not stored in the JSON

  // data.path made absolute against the project file's folder.
  std::filesystem::path dataPath() const;
  // Where runs of this project keep their files: a folder named like the project file, beside
  // it ("pets.lbproj" -> "pets/"). The latest epoch's checkpoint is checkpoints/last.pt there.
  std::filesystem::path runFolder() const;
  std::filesystem::path lastCheckpoint() const { return runFolder() / "checkpoints" / "last.pt"; }
};

Project loadProject(const std::filesystem::path& file);
Project parseProject(const std::string& json, const std::filesystem::path& file);
std::string projectToJson(const Project& project);
void saveProject(const Project& project, const std::filesystem::path& file);

}  // namespace lb
