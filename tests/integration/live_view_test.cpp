// `cmdlink server --http` (docs/live-view.md) with real students on a real Mosquitto: what
// its JSON API and /metrics say, and what a person sees on its page in headless Chromium.
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "roster_fixture.hpp"

namespace cmdlink::integration {
namespace {

const std::filesystem::path kChromium = "/usr/bin/chromium";
const std::filesystem::path kArtifacts = CMDLINK_ARTIFACT_DIR;

// The port the server's live view listens on, from its `http_listening` event.
std::optional<int> live_port(CmdlinkProcess& server) {
    std::optional<int> port;
    wait_until(
        [&] {
            const auto listening = server.events("http_listening");
            if (!listening.empty()) port = listening.at(0).value("port", 0);
            return port.has_value() || !server.running();
        },
        kWaitLimit);
    return port;
}

std::optional<Json> get_state(int port) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(std::chrono::seconds(5));
    const auto response = client.Get("/api/state");
    if (!response || response->status != 200) return std::nullopt;
    return Json::parse(response->body);
}

std::string get_metrics(int port) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(std::chrono::seconds(5));
    const auto response = client.Get("/metrics");
    return response && response->status == 200 ? response->body : "";
}

std::string state_of(const Json& state, const std::string& user_id) {
    for (const Json& student : state.at("students")) {
        if (student.value("user_id", "") == user_id) return student.value("state", "");
    }
    return "";
}

// Waits until the live view shows `user_id` in `expected`; the last state seen otherwise.
std::string wait_for_state(int port, const std::string& user_id, const std::string& expected) {
    std::string seen;
    wait_until(
        [&] {
            const auto state = get_state(port);
            if (state) seen = state_of(*state, user_id);
            return seen == expected;
        },
        kWaitLimit);
    return seen;
}

bool has_line(const std::string& text, const std::string& line) {
    return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

// Logs `student` in on `device` and answers every command with a word no table has.
void fail_session(RawDevice& device, const Student& student) {
    auto session = device.log_in(student.user_id);
    ASSERT_TRUE(session.ok()) << session.error();
    const std::string id = session.value();
    device.on_message([&device, id](const RawMessage& message) {
        if (message.topic != id) return;
        EXPECT_TRUE(device.publish(id + "/" + message.payload, "Durian", message.qos).ok());
    });
    bool answered = false;
    device.run_until(
        [&] {
            answered = std::any_of(device.received().begin(), device.received().end(),
                                   [&](const RawMessage& message) { return message.topic == id; });
            return answered;
        },
        kWaitLimit);
    // One more turn sends the reply the handler queued.
    EXPECT_TRUE(device.wait_published().ok());
    device.on_message({});
    ASSERT_TRUE(answered) << "no command for " << student.user_id;
}

// Whether an opening tag (`<div class="x" hidden>`) carries the `hidden` attribute.
bool has_hidden_attribute(std::string_view tag) {
    for (std::size_t at = tag.find("hidden"); at != std::string_view::npos;
         at = tag.find("hidden", at + 1)) {
        const bool after_blank = at > 0 && std::isspace(static_cast<unsigned char>(tag[at - 1]));
        const char next = at + 6 < tag.size() ? tag[at + 6] : '>';
        if (after_blank && (next == '>' || next == '=' || next == '/' ||
                            std::isspace(static_cast<unsigned char>(next)))) {
            return true;
        }
    }
    return false;
}

// What a person reads on a page: the text of its elements, without scripts, styles, the title
// or elements hidden by the `hidden` attribute, whitespace collapsed. By hand: std::regex
// recurses per character and overflows the stack on the page's script under ASan.
std::string visible_text(const std::string& html) {
    std::string text;
    std::size_t at = 0;
    while (at < html.size()) {
        if (html[at] != '<') {
            text += html[at++];
            continue;
        }
        const std::size_t close = html.find('>', at);
        if (close == std::string::npos) break;
        const std::string_view tag(html.data() + at, close - at + 1);
        std::size_t name_end = 1;
        while (name_end < tag.size() && std::isalnum(static_cast<unsigned char>(tag[name_end]))) {
            ++name_end;
        }
        const std::string name(tag.substr(1, name_end - 1));
        at = close + 1;
        text += ' ';
        if (name.empty()) continue;
        if (name == "script" || name == "style" || name == "title" || has_hidden_attribute(tag)) {
            const std::size_t end = html.find("</" + name, at);
            if (end == std::string::npos) break;
            const std::size_t end_close = html.find('>', end);
            at = end_close == std::string::npos ? html.size() : end_close + 1;
        }
    }
    std::string collapsed;
    for (std::size_t index = 0; index < text.size(); ++index) {
        if (text.compare(index, 5, "&amp;") == 0) {
            collapsed += '&';
            index += 4;
        } else if (std::isspace(static_cast<unsigned char>(text[index]))) {
            if (collapsed.empty() || collapsed.back() != ' ') collapsed += ' ';
        } else {
            collapsed += text[index];
        }
    }
    return collapsed;
}

// The visible text of each student card of the page.
std::vector<std::string> student_cards(const std::string& html) {
    std::vector<std::string> cards;
    constexpr std::string_view kOpening = "<li class=\"student ";
    for (std::size_t at = html.find(kOpening); at != std::string::npos;
         at = html.find(kOpening, at + 1)) {
        const std::size_t content = html.find('>', at);
        const std::size_t end =
            content == std::string::npos ? content : html.find("</li>", content);
        if (end == std::string::npos) break;
        std::string text = visible_text(html.substr(content + 1, end - content - 1));
        text.erase(0, text.find_first_not_of(' '));
        text.erase(text.find_last_not_of(' ') + 1);
        cards.push_back(text);
    }
    return cards;
}

struct Chromium {
    std::string output;  // stdout and stderr together
    std::optional<int> wait_status;
};

// Runs headless Chromium on `arguments` for at most 15 s; killed (with its children, which
// follow their parent) if it takes longer.
Chromium run_chromium(const std::filesystem::path& workspace, const std::string& name,
                      std::vector<std::string> arguments) {
    std::vector<std::string> all = {"--headless", "--disable-gpu", "--no-first-run",
                                    "--hide-scrollbars",
                                    "--user-data-dir=" + (workspace / "chromium").string()};
    // As root Chromium refuses to start without this; the page is our own.
    if (::geteuid() == 0) all.emplace_back("--no-sandbox");
    all.insert(all.end(), arguments.begin(), arguments.end());
    const std::filesystem::path output = workspace / (name + ".out");
    Chromium result;
    auto child = broker::ChildProcess::spawn(kChromium, all, output);
    if (!child.ok()) {
        result.output = child.error();
        return result;
    }
    auto exited = child.value().wait_for_exit(std::chrono::seconds(15));
    if (exited.ok()) result.wait_status = exited.value();
    if (!result.wait_status) (void)child.value().kill();
    result.output = read_text(output);
    return result;
}

// The DOM Chromium printed, without the log lines around it.
std::string dom_of(const std::string& output) {
    const std::size_t begin = output.find("<html");
    const std::size_t end = output.rfind("</html>");
    if (begin == std::string::npos || end == std::string::npos || end < begin) return "";
    return output.substr(begin, end + 7 - begin);
}

using LiveViewRoster = RosterIsolation;

TEST_F(LiveViewRoster, ListsEveryStudentAndFollowsThemThroughPassAndFail) {
    CmdlinkProcess* server =
        start_roster_server({"--delay", "1", "--commands", "3", "--http", "0"});
    ASSERT_NE(server, nullptr);
    const auto port = live_port(*server);
    ASSERT_TRUE(port.has_value()) << server->describe();

    const auto before = get_state(*port);
    ASSERT_TRUE(before.has_value()) << server->describe();
    EXPECT_EQ(state_of(*before, kAlice.user_id), "never_tried") << before->dump();
    EXPECT_EQ(state_of(*before, kBob.user_id), "never_tried") << before->dump();
    EXPECT_TRUE(before->at("roster").get<bool>());

    CmdlinkProcess* alice = start_student_client(kAlice);
    ASSERT_NE(alice, nullptr);
    EXPECT_EQ(alice->wait_for_exit(), 0) << alice->describe();
    EXPECT_EQ(wait_for_state(*port, kAlice.user_id, "passed"), "passed") << server->describe();

    auto bob = connect(kBob);
    ASSERT_NE(bob, nullptr);
    ASSERT_NO_FATAL_FAILURE(fail_session(*bob, kBob));
    EXPECT_EQ(wait_for_state(*port, kBob.user_id, "failed"), "failed") << server->describe();

    const auto after = get_state(*port);
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->at("sessions").value("passed", 0), 1) << after->dump();
    EXPECT_EQ(after->at("sessions").value("failed", 0), 1) << after->dump();
    EXPECT_GE(after->at("replies").value("correct", 0), 3) << after->dump();
    EXPECT_GE(after->at("replies").value("wrong", 0), 1) << after->dump();
    for (const Json& student : after->at("students")) {
        if (student.value("user_id", "") == kBob.user_id) {
            EXPECT_FALSE(student.value("reason", "").empty()) << student.dump();
        }
    }

    const std::string metrics = get_metrics(*port);
    EXPECT_TRUE(has_line(metrics, "cmdlink_sessions_total{outcome=\"passed\"} 1")) << metrics;
    EXPECT_TRUE(has_line(metrics, "cmdlink_sessions_total{outcome=\"failed\"} 1")) << metrics;
    EXPECT_TRUE(has_line(metrics, "cmdlink_broker_connected 1")) << metrics;
    EXPECT_TRUE(has_line(metrics, "cmdlink_ledger_queue_depth 0")) << metrics;
    EXPECT_TRUE(has_line(metrics, "cmdlink_students{state=\"never_tried\"} 0")) << metrics;
    EXPECT_NE(metrics.find("cmdlink_reply_latency_seconds_count "), std::string::npos);
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

TEST_F(LiveViewRoster, ThePageInChromiumShowsEachStudentsStateAndTheCounters) {
    ASSERT_TRUE(std::filesystem::exists(kChromium))
        << kChromium << " is missing: install Debian's chromium (scripts/run does)";
    CmdlinkProcess* server =
        start_roster_server({"--delay", "1", "--commands", "3", "--http", "0"});
    ASSERT_NE(server, nullptr);
    const auto port = live_port(*server);
    ASSERT_TRUE(port.has_value()) << server->describe();
    auto bob = connect(kBob);
    ASSERT_NE(bob, nullptr);
    ASSERT_NO_FATAL_FAILURE(fail_session(*bob, kBob));
    ASSERT_EQ(wait_for_state(*port, kBob.user_id, "failed"), "failed") << server->describe();

    const std::string url = "http://127.0.0.1:" + std::to_string(*port) + "/";
    const Chromium dump =
        run_chromium(workspace(), "dump-dom", {"--window-size=1280,900", "--dump-dom", url});
    ASSERT_TRUE(dump.wait_status.has_value()) << "chromium did not finish\n" << dump.output;
    const std::string dom = dom_of(dump.output);
    ASSERT_FALSE(dom.empty()) << dump.output;

    const std::vector<std::string> cards = student_cards(dom);
    ASSERT_EQ(cards.size(), 2U) << visible_text(dom);
    EXPECT_EQ(cards[0], "1001 never tried") << visible_text(dom);
    EXPECT_EQ(cards[1].rfind("1002 failed 1 session, 0/3 correct ", 0), 0U) << cards[1];
    EXPECT_GT(cards[1].size(), std::string("1002 failed 1 session, 0/3 correct ").size())
        << "no reason shown: " << cards[1];
    const std::string text = visible_text(dom);
    for (const std::string shown :
         {"Students 2 ", "Passed 0 ", "Failed 1 ", "Wrong replies 1 ", "broker: ready"}) {
        EXPECT_NE(text.find(shown), std::string::npos) << shown << " not in: " << text;
    }
    EXPECT_EQ(text.find("No student has logged in yet"), std::string::npos) << text;

    std::filesystem::create_directories(kArtifacts);
    for (const auto& [name, size] :
         {std::pair{"live_view.png", "1280,900"}, std::pair{"live_view_phone.png", "360,780"}}) {
        const std::filesystem::path png = kArtifacts / name;
        std::filesystem::remove(png);
        const Chromium shot = run_chromium(
            workspace(), name,
            {std::string("--window-size=") + size, "--screenshot=" + png.string(), url});
        EXPECT_TRUE(shot.wait_status.has_value()) << "chromium did not finish\n" << shot.output;
        EXPECT_TRUE(std::filesystem::exists(png)) << shot.output;
        if (std::filesystem::exists(png)) {
            EXPECT_GT(std::filesystem::file_size(png), 1000U);
        }
    }
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

// Without a roster students appear as they log in.
class LiveView : public BrokerTest {};

TEST_F(LiveView, ListsAStudentOnceItLogsInAndCountsItsPass) {
    CmdlinkProcess* server = start_server({"--delay", "0.5", "--commands", "2", "--http", "0"});
    ASSERT_NE(server, nullptr);
    const auto port = live_port(*server);
    ASSERT_TRUE(port.has_value()) << server->describe();
    const auto empty = get_state(*port);
    ASSERT_TRUE(empty.has_value());
    EXPECT_TRUE(empty->at("students").empty()) << empty->dump();
    EXPECT_FALSE(empty->at("roster").get<bool>());

    CmdlinkProcess* client = start_client("4242", {});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), 0) << client->describe();
    EXPECT_EQ(wait_for_state(*port, "4242", "passed"), "passed") << server->describe();
    const std::string metrics = get_metrics(*port);
    EXPECT_TRUE(has_line(metrics, "cmdlink_sessions_total{outcome=\"passed\"} 1")) << metrics;
    EXPECT_TRUE(has_line(metrics, "cmdlink_replies_total{verdict=\"correct\"} 2")) << metrics;
    EXPECT_TRUE(has_line(metrics, "cmdlink_reply_latency_seconds_count 2")) << metrics;
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

TEST_F(LiveView, RefusesToStartOnAnAddressBeyondLoopbackWithoutAToken) {
    CmdlinkProcess* server =
        run_cmdlink("server", {"server", "--port", port_text(), "--ledger",
                               (workspace() / "l.db").string(), "--http", "0.0.0.0:0"});
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(server->wait_for_exit(), 2) << server->describe();
    EXPECT_NE(server->stderr_text().find("--http-token-file"), std::string::npos)
        << server->describe();
}

TEST_F(LiveView, RefusesToStartOnAPortInUse) {
    CmdlinkProcess* first = start_server({"--http", "0"});
    ASSERT_NE(first, nullptr);
    const auto port = live_port(*first);
    ASSERT_TRUE(port.has_value()) << first->describe();
    CmdlinkProcess* second = run_cmdlink(
        "second", {"server", "--port", port_text(), "--client-id", "second", "--ledger",
                   (workspace() / "second.db").string(), "--http", std::to_string(*port)});
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->wait_for_exit(), 2) << second->describe();
    EXPECT_NE(second->stderr_text().find("in use"), std::string::npos) << second->describe();
    EXPECT_EQ(first->stop(), 0) << first->describe();
}

TEST_F(LiveView, TakesItsFlagsFromTheConfigFile) {
    const auto config = write_file("server.toml", "http = \"127.0.0.1:0\"\n");
    CmdlinkProcess* server = start_server({"--config", config.string()});
    ASSERT_NE(server, nullptr);
    const auto port = live_port(*server);
    ASSERT_TRUE(port.has_value()) << server->describe();
    EXPECT_TRUE(get_state(*port).has_value());
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

}  // namespace
}  // namespace cmdlink::integration
