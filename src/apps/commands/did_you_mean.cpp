#include "apps/commands/did_you_mean.hpp"

#include <algorithm>

namespace cmdlink::apps {
namespace {

std::string_view without_dashes(std::string_view name) {
    const auto first = name.find_first_not_of('-');
    return first == std::string_view::npos ? std::string_view() : name.substr(first);
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // Three rows of the optimal string alignment table: the swap looks two rows back.
    std::vector<std::size_t> before(b.size() + 1);
    std::vector<std::size_t> previous(b.size() + 1);
    std::vector<std::size_t> current(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t replace = a[i - 1] == b[j - 1] ? 0 : 1;
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + replace});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                current[j] = std::min(current[j], before[j - 2] + 1);
            }
        }
        std::swap(before, previous);
        std::swap(previous, current);
    }
    return previous[b.size()];
}

std::optional<std::string> nearest_name(std::string_view typed,
                                        const std::vector<std::string>& known) {
    const std::string_view word = without_dashes(typed);
    const std::size_t limit = word.size() / 3;
    std::optional<std::string> nearest;
    std::size_t nearest_distance = limit + 1;
    for (const std::string& name : known) {
        const std::size_t distance = edit_distance(word, without_dashes(name));
        if (distance < nearest_distance) {
            nearest = name;
            nearest_distance = distance;
        }
    }
    return nearest;
}

}  // namespace cmdlink::apps
