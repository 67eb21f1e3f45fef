// libFuzzer target: any bytes as a CSV file. parseCsv must return a table whose rows all have
// the header's columns, or throw lb::Error (a sentence for the user); anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/data/csv_table.h"
#include "engine/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const lb::CsvTable table =
        lb::parseCsv(std::string(reinterpret_cast<const char*>(data), size), "fuzz.csv");
    for (const auto& row : table.rows)
      for (const auto& column : table.columns)
        if (!row.count(column)) std::abort();
  } catch (const lb::Error&) {
  }
  return 0;
}
