#include "apps/commands/random_password.hpp"

#include <string_view>

namespace cmdlink::apps {

std::string random_password(core::RandomSource& random) {
    static constexpr std::string_view kAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";
    std::string password;
    for (int i = 0; i < 24; ++i) password += kAlphabet[random.uniform(0, kAlphabet.size() - 1)];
    return password;
}

}  // namespace cmdlink::apps
