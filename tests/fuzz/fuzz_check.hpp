// What every fuzz target shares: the one kind of exception a parser may throw on bad input
// (DomainError, which the CLI and the API turn into a clear refusal) and a check that stops the
// run with a message when a property does not hold. Any other exception escapes
// LLVMFuzzerTestOneInput, aborts, and libFuzzer keeps the input as a reproducer.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/errors.hpp"

namespace wallet::fuzz {

/// Runs parse; a DomainError is the expected refusal of bad input.
template <class Parse>
bool refused(Parse&& parse) {
  try {
    parse();
    return false;
  } catch (const DomainError&) {
    return true;
  }
}

inline void check(bool holds, const char* property) {
  if (holds) return;
  std::fprintf(stderr, "property broken: %s\n", property);
  std::abort();
}

}  // namespace wallet::fuzz
