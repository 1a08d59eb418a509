#include "live/http_view.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "live/live_json.hpp"

namespace cmdlink::live {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const Published> published(std::uint64_t version, const std::string& user) {
    auto made = std::make_shared<Published>();
    made->snapshot.version = version;
    made->snapshot.broker_connected = true;
    StudentRow row;
    row.user_id = user;
    row.state = StudentState::kInSession;
    made->snapshot.students.push_back(row);
    made->json = to_json(made->snapshot);
    return made;
}

class HttpViewTest : public ::testing::Test {
  protected:
    void SetUp() override { board_.publish(published(1, "1001")); }

    std::unique_ptr<HttpView> start(HttpAccess access = {}) {
        auto view = HttpView::start(access, board_);
        EXPECT_TRUE(view) << view.error();
        return view ? std::move(view.value()) : nullptr;
    }
    static httplib::Client client_of(const HttpView& view) {
        httplib::Client client("127.0.0.1", view.port());
        client.set_read_timeout(10s);
        client.set_connection_timeout(5s);
        return client;
    }

    SnapshotBoard board_;
};

TEST_F(HttpViewTest, ServesTheLatestSnapshotAsJson) {
    auto view = start();
    ASSERT_NE(view, nullptr);
    auto client = client_of(*view);
    auto response = client.Get("/api/state");
    ASSERT_TRUE(response) << httplib::to_string(response.error());
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
    const auto state = nlohmann::json::parse(response->body);
    EXPECT_EQ(state["students"][0]["user_id"], "1001");
    board_.publish(published(2, "1002"));
    response = client.Get("/api/state");
    ASSERT_TRUE(response);
    EXPECT_EQ(nlohmann::json::parse(response->body)["students"][0]["user_id"], "1002");
}

TEST_F(HttpViewTest, ServesMetricsInPrometheusTextFormat) {
    auto view = start();
    ASSERT_NE(view, nullptr);
    auto response = client_of(*view).Get("/metrics");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->get_header_value("Content-Type"),
              "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(response->body.find("\ncmdlink_broker_connected 1\n"), std::string::npos)
        << response->body;
}

TEST_F(HttpViewTest, ServesThePageAndNothingUnderOtherPaths) {
    auto view = start();
    ASSERT_NE(view, nullptr);
    auto client = client_of(*view);
    auto page = client.Get("/");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(page->body.find("<title>cmdlink live</title>"), std::string::npos);
    auto missing = client.Get("/admin");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
}

TEST_F(HttpViewTest, IsReadOnly) {
    auto view = start();
    ASSERT_NE(view, nullptr);
    auto client = client_of(*view);
    auto post = client.Post("/api/state", "{}", "application/json");
    ASSERT_TRUE(post);
    EXPECT_EQ(post->status, 405);
    EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
    auto put = client.Put("/metrics", "x", "text/plain");
    ASSERT_TRUE(put);
    EXPECT_EQ(put->status, 405);
    auto removed = client.Delete("/");
    ASSERT_TRUE(removed);
    EXPECT_EQ(removed->status, 405);
}

TEST_F(HttpViewTest, WithATokenServesOnlyRequestsThatShowIt) {
    HttpAccess access;
    access.token = "0123456789abcdef0123";
    auto view = start(access);
    ASSERT_NE(view, nullptr);
    auto client = client_of(*view);
    for (const std::string path : {"/", "/api/state", "/metrics", "/api/events"}) {
        auto refused = client.Get(path);
        ASSERT_TRUE(refused) << path;
        EXPECT_EQ(refused->status, 401) << path;
        EXPECT_EQ(refused->body.find("1001"), std::string::npos) << path;
    }
    auto wrong = client.Get("/api/state?token=0123456789abcdef0124");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401);
    auto by_query = client.Get("/api/state?token=0123456789abcdef0123");
    ASSERT_TRUE(by_query);
    EXPECT_EQ(by_query->status, 200);
    auto by_header = client.Get("/metrics", {{"Authorization", "Bearer 0123456789abcdef0123"}});
    ASSERT_TRUE(by_header);
    EXPECT_EQ(by_header->status, 200);
}

TEST_F(HttpViewTest, StreamsEachNewSnapshotAsAServerSentEvent) {
    auto view = start();
    ASSERT_NE(view, nullptr);
    auto client = client_of(*view);
    std::string received;
    bool published_second = false;
    auto response = client.Get("/api/events", [&](const char* data, std::size_t length) {
        received.append(data, length);
        if (!published_second && received.find("\"version\":1") != std::string::npos) {
            published_second = true;
            board_.publish(published(2, "1002"));
        }
        return received.find("\"version\":2") == std::string::npos;
    });
    // The receiver ends the stream itself once it has the second snapshot.
    EXPECT_FALSE(response);
    EXPECT_EQ(received.rfind("event: state\ndata: {", 0), 0U) << received;
    EXPECT_NE(received.find("\"user_id\":\"1002\""), std::string::npos) << received;
}

TEST_F(HttpViewTest, StoppingEndsTheOpenStreamsAndJoinsEveryThread) {
    auto view = start();
    ASSERT_NE(view, nullptr);
    std::atomic<bool> streaming = false;
    std::atomic<bool> returned = false;
    std::thread viewer([&] {
        auto client = client_of(*view);
        client.Get("/api/events", [&](const char*, std::size_t) {
            streaming = true;
            return true;
        });
        returned = true;
    });
    for (int waited = 0; waited < 1000 && !streaming; ++waited) std::this_thread::sleep_for(10ms);
    EXPECT_TRUE(streaming);
    view->stop();
    viewer.join();
    EXPECT_TRUE(returned);
    view->stop();  // again: nothing left to stop
}

TEST_F(HttpViewTest, SaysWhenThePortIsInUse) {
    auto first = start();
    ASSERT_NE(first, nullptr);
    HttpAccess same;
    same.port = first->port();
    auto second = HttpView::start(same, board_);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().find("in use"), std::string::npos) << second.error();
    EXPECT_NE(second.error().find(std::to_string(first->port())), std::string::npos);
}

TEST_F(HttpViewTest, SaysWhenTheAddressIsNotThisMachines) {
    HttpAccess elsewhere;
    elsewhere.address = "192.0.2.1";  // TEST-NET-1: never a local address
    elsewhere.token = "0123456789abcdef0123";
    auto view = HttpView::start(elsewhere, board_);
    ASSERT_FALSE(view);
    EXPECT_NE(view.error().find("192.0.2.1"), std::string::npos) << view.error();
}

}  // namespace
}  // namespace cmdlink::live
