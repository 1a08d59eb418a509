#pragma once

#include <string_view>

namespace cmdlink::live {

// The live view's one page: HTML, CSS and JavaScript in one document, nothing fetched from
// elsewhere (no CDN, no fonts), plots drawn on canvases by its own script.
std::string_view live_page();

}  // namespace cmdlink::live
