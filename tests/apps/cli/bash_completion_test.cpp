#include "apps/cli/bash_completion.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace cmdlink::apps {
namespace {

// The script for a small app, sourced by a real bash that completes `words` (the last one
// is the word being completed); the candidates it offers, one per line.
class BashCompletion : public ::testing::Test {
  protected:
    void SetUp() override {
        auto* client = app_.add_subcommand("client", "the device");
        client->add_option("--user-id", user_id_, "user ID");
        client->add_option("-p,--port", port_, "port");
        client->add_flag("--json", json_, "JSON lines");
        auto* server = app_.add_subcommand("server", "the issuer");
        server->add_option("--ledger", ledger_, "ledger");
        script_path_ = ::testing::TempDir() + "cmdlink-completion-" + std::to_string(getpid());
        std::ofstream(script_path_) << bash_completion_script(app_);
    }
    void TearDown() override { std::remove(script_path_.c_str()); }

    std::vector<std::string> complete(const std::vector<std::string>& words) {
        std::string array = "cmdlink";
        for (const auto& word : words) array += " '" + word + "'";
        const std::string command =
            "bash --norc --noprofile -c 'source \"$0\"; COMP_WORDS=(" + escape(array) +
            "); COMP_CWORD=" + std::to_string(words.size()) +
            "; _cmdlink; printf \"%s\\n\" \"${COMPREPLY[@]}\"' " + script_path_ + " 2>&1";
        std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
        EXPECT_NE(pipe, nullptr);
        std::vector<std::string> candidates;
        if (!pipe) return candidates;
        char line[512];
        while (std::fgets(line, sizeof line, pipe.get()) != nullptr) {
            std::string text(line);
            if (!text.empty() && text.back() == '\n') text.pop_back();
            if (!text.empty()) candidates.push_back(text);
        }
        return candidates;
    }

  private:
    // Inside the single-quoted `bash -c` program: each ' becomes '\''.
    static std::string escape(const std::string& text) {
        std::string escaped;
        for (char c : text) escaped += c == '\'' ? std::string("'\\''") : std::string(1, c);
        return escaped;
    }

    CLI::App app_{"test"};
    std::string user_id_;
    int port_ = 0;
    bool json_ = false;
    std::string ledger_;
    std::string script_path_;
};

TEST_F(BashCompletion, OffersTheCommandsAtTheFirstWord) {
    EXPECT_EQ(complete({"s"}), (std::vector<std::string>{"server"}));
    EXPECT_EQ(complete({""}).size(), 2U);
}

TEST_F(BashCompletion, OffersOnlyTheChosenCommandsFlags) {
    EXPECT_EQ(complete({"client", "--u"}), (std::vector<std::string>{"--user-id"}));
    EXPECT_TRUE(complete({"client", "--l"}).empty()) << "--ledger is the server's";
    EXPECT_EQ(complete({"server", "--l"}), (std::vector<std::string>{"--ledger"}));
}

TEST_F(BashCompletion, CompletesAFileAfterAFlagThatTakesAValueButNotAfterAFlag) {
    const std::string file = ::testing::TempDir() + "cmdlink-completion-probe.csv";
    std::ofstream(file) << "x";
    const auto after_value = complete({"server", "--ledger", file.substr(0, file.size() - 3)});
    EXPECT_EQ(after_value, (std::vector<std::string>{file}));
    const auto after_flag = complete({"client", "--json", "--p"});
    EXPECT_EQ(after_flag, (std::vector<std::string>{"--port"}));
    std::remove(file.c_str());
}

}  // namespace
}  // namespace cmdlink::apps
