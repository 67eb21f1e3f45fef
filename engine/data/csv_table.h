#pragma once
// A CSV file as a header and rows of named fields (RFC 4180: commas, double-quoted fields with
// "" for a quote, CRLF or LF line ends, an optional UTF-8 byte order mark).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace lb {

struct CsvTable {
  std::vector<std::string> columns;
  std::vector<std::map<std::string, std::string>> rows;
  bool hasColumn(const std::string& name) const;
  std::string columnList() const;  // "name, label and is_valid"
};

// Throws DataBlockError (Source step) when the file cannot be read, is empty or a row has more
// fields than the header.
CsvTable readCsv(const std::filesystem::path& file);
// The same for text already read (`file` names it in the sentences); the fuzz target drives it.
CsvTable parseCsv(std::string text, const std::filesystem::path& file);

// `s` as one CSV field: quoted when it holds a comma, a quote or a line break, as RFC 4180 asks.
std::string csvField(const std::string& s);

}  // namespace lb
