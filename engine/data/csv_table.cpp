#include "engine/data/csv_table.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "engine/data/data_block.h"

namespace lb {

bool CsvTable::hasColumn(const std::string& name) const {
  return std::find(columns.begin(), columns.end(), name) != columns.end();
}

std::string CsvTable::columnList() const {
  std::string list;
  for (std::size_t i = 0; i < columns.size(); ++i)
    list += (i == 0 ? "" : i + 1 == columns.size() ? " and " : ", ") + columns[i];
  return list.empty() ? "no columns" : list;
}

namespace {

// Splits the whole text into records of fields; quoted fields may hold commas and line breaks.
std::vector<std::vector<std::string>> parseRecords(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += text[++i];
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        record.push_back(std::move(field));
        records.push_back(std::move(record));
      }
      record.clear();
      field.clear();
      any = false;
    } else {
      field += c;
    }
  }
  if (any || !field.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

CsvTable readCsv(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec) || !in)
    throw DataBlockError(DataStep::Source, "The CSV file " + file.string() +
                                               (std::filesystem::exists(file, ec) ? " cannot be read" : " does not exist") +
                                               ": choose the CSV file that lists your images.");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parseCsv(buffer.str(), file);
}

CsvTable parseCsv(std::string text, const std::filesystem::path& file) {
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  auto records = parseRecords(text);
  if (records.empty())
    throw DataBlockError(DataStep::Source, "The CSV file " + file.string() +
                                               " is empty: it needs a header row and one row per image.");
  CsvTable table;
  table.columns = records.front();
  for (std::size_t r = 1; r < records.size(); ++r) {
    auto& fields = records[r];
    if (fields.size() > table.columns.size())
      throw DataBlockError(DataStep::Source, "Row " + std::to_string(r + 1) + " of " + file.string() +
                                                 " has " + std::to_string(fields.size()) +
                                                 " fields but the header has " +
                                                 std::to_string(table.columns.size()) +
                                                 ": quote fields that contain commas.");
    std::map<std::string, std::string> row;
    for (std::size_t c = 0; c < table.columns.size(); ++c)
      row[table.columns[c]] = c < fields.size() ? fields[c] : std::string();
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace lb
