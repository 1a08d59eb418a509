#pragma once

#include <string>
#include <string_view>

namespace cmdlink::live {

// The live view's one page: HTML, CSS and JavaScript in one document, nothing fetched from
// elsewhere (no CDN, no fonts), plots drawn on canvases by its own script. `state_json` (the
// `/api/state` document) is rendered as the page loads, so that it shows the state at once;
// the server-sent events update it from then on.
std::string live_page(std::string_view state_json);

}  // namespace cmdlink::live
