// Issue 11: "unknown command 'foo'" with the closest command, --version with the libraries in use,
// and the environment defaults named in --help.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace {

using namespace cli_test;

TEST(UnknownCommand, TypoGetsTheClosestCommand) {
    const auto r = run({"inspetc", "--file", kFieldFailure.string()});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(contains(r.err, "error: unknown command 'inspetc'")) << r.err;
    EXPECT_TRUE(contains(r.err, "did you mean 'inspect'?")) << r.err;
    EXPECT_EQ(r.out, "");
}

TEST(UnknownCommand, PrefixGetsTheClosestOfTheCommandsItStarts) {
    const auto r = run({"restor"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(contains(r.err, "did you mean 'restore'?")) << r.err;
}

TEST(UnknownCommand, GlobalOptionsBeforeItAreSkipped) {
    const auto r = run({"-q", "--trace-usb", "bakcup"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(contains(r.err, "unknown command 'bakcup'")) << r.err;
    EXPECT_TRUE(contains(r.err, "did you mean 'backup'?")) << r.err;
}

TEST(UnknownCommand, NothingCloseListsTheCommands) {
    const auto r = run({"xyzzy"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(contains(r.err, "unknown command 'xyzzy'")) << r.err;
    EXPECT_FALSE(contains(r.err, "did you mean")) << r.err;
    EXPECT_TRUE(contains(r.err, "inspect")) << r.err;
    EXPECT_TRUE(contains(r.err, "restore-server")) << r.err;
}

TEST(UnknownCommand, JsonIsOneUsageDocument) {
    const auto r = run({"--json", "inspetc"});
    EXPECT_EQ(r.status, 2);
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["ok"], false);
    EXPECT_EQ(doc["error"]["kind"], "usage");
    EXPECT_EQ(doc["error"]["message"], "unknown command 'inspetc'");
    EXPECT_TRUE(contains(doc["error"]["hint"].get<std::string>(), "'inspect'"));
}

TEST(Version, NamesTheLibrariesInUse) {
    const auto r = run({"--version"});
    EXPECT_EQ(r.status, 0);
    std::istringstream lines(r.out);
    std::string tool, libusb, openssl;
    std::getline(lines, tool);
    std::getline(lines, libusb);
    std::getline(lines, openssl);
    EXPECT_TRUE(starts_with(tool, "photon-dct ")) << r.out;
    EXPECT_TRUE(starts_with(libusb, "libusb 1.")) << r.out;
    EXPECT_TRUE(starts_with(openssl, "OpenSSL 3.")) << r.out;
}

TEST(Environment, HelpNamesTheVariables) {
    const auto top = run({"--help"});
    EXPECT_TRUE(contains(top.out, "PHOTON_DCT_DEVICE")) << top.out;
    EXPECT_TRUE(contains(top.out, "PHOTON_DCT_BACKUP_DIR")) << top.out;
    const auto sub = run({"restore-server", "--help"});
    EXPECT_TRUE(contains(sub.out, "(Env:PHOTON_DCT_DEVICE)")) << sub.out;
    EXPECT_TRUE(contains(sub.out, "(Env:PHOTON_DCT_BACKUP_DIR)")) << sub.out;
}

} // namespace
