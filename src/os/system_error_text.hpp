#pragma once

#include <string>
#include <system_error>

namespace cmdlink::os {

// strerror() is not thread-safe; the standard library's message is.
inline std::string system_error_text(int error_number) {
    return std::system_category().message(error_number);
}

}  // namespace cmdlink::os
