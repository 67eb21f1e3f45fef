#pragma once
// Whole numbers with thousands separators, as every summary prints counts: "11,181,642".
#include <string>

namespace lb {

// "11,181,642"; negative numbers keep their sign ("-1,000").
std::string withThousands(long long value);

// A count and its noun, in the singular for one: "1 file", "2 files", "1,200 images";
// `plural` for nouns that do not just take an "s" ("1 class", "3 classes").
std::string countOf(long long n, const std::string& singular, const std::string& plural = {});

}  // namespace lb
