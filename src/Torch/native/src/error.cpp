// error.cpp — the thread-local last-error slot. The managed side reads it with ie_last_error (which hands over a
// malloc'd copy and clears the slot) and releases that copy with ie_free_string.
#include "ie_common.h"
#include <cstdlib>
#include <cstring>
#include <string>

// One string per thread, destroyed with the thread (a thread_local object, not a pointer that would leak).
static thread_local std::string last_error;

void ie_set_error(const char* message) { last_error = message ? message : ""; }

IE_EXPORT char* ie_last_error() {
  if (last_error.empty()) return nullptr;
  char* copy = strdup(last_error.c_str());
  last_error.clear();
  return copy;
}

IE_EXPORT void ie_free_string(char* s) { free(s); }
