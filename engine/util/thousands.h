#pragma once
// Whole numbers with thousands separators, as every summary prints counts: "11,181,642".
#include <string>

namespace lb {

// "11,181,642"; negative numbers keep their sign ("-1,000").
std::string withThousands(long long value);

}  // namespace lb
