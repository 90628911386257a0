// Untrusted bytes on screen and in JSON (issue 8): host names, claim code, SSID and device code
// stored in a DCT image, and file names and arguments typed by the user, reach the text output only
// escaped (photon_dct::escape_text) and keep --json one valid document whatever bytes they hold.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace {

using namespace cli_test;
using nlohmann::json;
using photon_dct::Bytes;

// Photon TCP and UDP address blocks (docs/dct-format.md: TCP slot 2082 + 384, UDP slot 3298 + 192).
constexpr std::size_t kTcpAddress = 2082 + 384;
constexpr std::size_t kUdpAddress = 3298 + 192;

// A terminal escape that clears the screen and retitles the window, and a CR/LF that forges a line.
const std::string kHostileHost = "\x1b[2J\x1b]0;owned\x07"
                                 "evil\r\nERROR \x7f";

void put_domain(Bytes& image, std::size_t at, const std::string& host) {
    image[at] = 0x01;
    image[at + 1] = static_cast<std::uint8_t>(host.size());
    std::copy(host.begin(), host.end(), image.begin() + static_cast<std::ptrdiff_t>(at + 2));
}

void put(Bytes& image, std::size_t at, const std::string& bytes) {
    std::copy(bytes.begin(), bytes.end(), image.begin() + static_cast<std::ptrdiff_t>(at));
}

// The provisioned image with hostile bytes in every text field the decoder shows.
fs::path hostile_image(const fs::path& dir) {
    Bytes image = read_bytes(kProvisioned);
    put_domain(image, kTcpAddress, kHostileHost);
    put_domain(image, kUdpAddress, "\x1b]0;udp\x07\n");
    put(image, 1762, "CLAIM\x1b[31m\r\n");   // claim_code
    put(image, 1826, "\x08Photon\n\x1b[1A"); // ssid_prefix: length byte 8, so "[1A" is not part of it
    put(image, 1852, "\x7f\x1b\r\n\xff");    // device_code
    write_bytes(dir / "hostile.dct", image);
    return dir / "hostile.dct";
}

// An image whose TCP host holds 0xFF bytes, as a half-erased flash does.
fs::path erased_host_image(const fs::path& dir) {
    Bytes image = read_bytes(kProvisioned);
    put_domain(image, kTcpAddress,
               "\xff\xfe\xff"
               "a\xc3");
    write_bytes(dir / "ff-host.dct", image);
    return dir / "ff-host.dct";
}

// The rule the issue states for text output: no byte below 0x20 except newline, and no 0x7f.
::testing::AssertionResult terminal_safe(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto b = static_cast<unsigned char>(text[i]);
        if ((b < 0x20 && b != '\n') || b == 0x7f)
            return ::testing::AssertionFailure()
                   << "byte 0x" << std::hex << unsigned{b} << " at " << std::dec << i << " in:\n"
                   << text;
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult one_json_document(const std::string& out, int status) {
    try {
        const auto doc = json::parse(out); // throws on invalid UTF-8 and on trailing text
        if (doc.at("exit_code") != status)
            return ::testing::AssertionFailure() << "exit_code " << doc.at("exit_code") << " but status " << status;
        return ::testing::AssertionSuccess();
    } catch (const std::exception& e) {
        return ::testing::AssertionFailure() << e.what() << " in: " << out;
    }
}

TEST(HostileText, InspectEscapesEveryStoredString) {
    TempDir dir;
    const auto r = run({"inspect", "--file", hostile_image(dir.path()).string()});
    EXPECT_TRUE(terminal_safe(r.out));
    EXPECT_TRUE(terminal_safe(r.err));
    // The reader still sees what the DCT holds.
    EXPECT_TRUE(contains(r.out, "\\x1b[2J\\x1b]0;owned\\x07evil\\r\\nERROR \\x7f")) << r.out;
    EXPECT_TRUE(contains(r.out, "CLAIM\\x1b[31m\\r\\n")) << r.out;
    EXPECT_TRUE(contains(r.out, "SoftAP SSID      Photon\\n\\x1b-\\x7f\\x1b\\r\\n\n")) << r.out;
}

TEST(HostileText, RestoreServerAndBackupEscapeTheOldHost) {
    TempDir dir;
    const auto image = hostile_image(dir.path());
    const auto r =
        run({"restore-server", "--file", image.string(), "--pem", kServerPub.string(), "--host", "cloud.example.com"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(terminal_safe(r.out));
    EXPECT_TRUE(terminal_safe(r.err));
    EXPECT_TRUE(contains(r.out, "\\x1b[2J")) << r.out;
    const auto b = run({"backup", "--file", image.string()});
    EXPECT_EQ(b.status, 0) << b.err;
    EXPECT_TRUE(terminal_safe(b.out));
    EXPECT_TRUE(terminal_safe(b.err));
}

TEST(HostileText, FileNamesInMessagesAreEscaped) {
    TempDir dir;
    const std::string name = "x\x1b]0;owned\x07\r\nERROR: \xff.dct";
    fs::copy_file(kProvisioned, dir.path() / name);
    const auto ok = run({"backup", "--file", (dir.path() / name).string()});
    EXPECT_EQ(ok.status, 0) << ok.err;
    EXPECT_TRUE(terminal_safe(ok.out));
    EXPECT_TRUE(contains(ok.out, "x\\x1b]0;owned\\x07\\r\\nERROR: \\xff.dct")) << ok.out;
    const auto missing = run({"inspect", "--file", (dir.path() / ("no-" + name)).string()});
    EXPECT_EQ(missing.status, 8);
    EXPECT_TRUE(terminal_safe(missing.err));
    EXPECT_TRUE(contains(missing.err, "no-x\\x1b]0;owned")) << missing.err;
    const auto bad_host = run({"restore-server", "--file", (dir.path() / name).string(), "--pem", kServerPub.string(),
                               "--host", "a\x1b[2Jb\r\n"});
    EXPECT_EQ(bad_host.status, 7);
    EXPECT_TRUE(terminal_safe(bad_host.err));
}

TEST(HostileJson, InspectOfErasedHostBytesIsOneDocument) {
    TempDir dir;
    const auto r = run({"--json", "inspect", "--file", erased_host_image(dir.path()).string()});
    EXPECT_TRUE(one_json_document(r.out, r.status));
    EXPECT_NE(r.status, 1) << r.out;
    const auto h = run({"--json", "inspect", "--file", hostile_image(dir.path()).string()});
    ASSERT_TRUE(one_json_document(h.out, h.status));
    // Valid UTF-8 holds its bytes exactly (JSON escapes the control characters).
    EXPECT_EQ(json::parse(h.out)["result"]["tcp"]["server_address"]["host"], kHostileHost);
}

TEST(HostileJson, RestoreServerOverErasedHostReportsTheVerifiedWrite) {
    TempDir dir;
    const auto r = run({"--json", "restore-server", "--file", erased_host_image(dir.path()).string(), "--pem",
                        kServerPub.string(), "--host", "cloud.example.com"});
    ASSERT_TRUE(one_json_document(r.out, r.status));
    EXPECT_EQ(r.status, 0) << r.out;
    const auto doc = json::parse(r.out);
    EXPECT_EQ(doc["ok"], true);
    EXPECT_EQ(doc["result"]["write"]["verified"], true);
    EXPECT_TRUE(doc["result"]["write"]["backup"].is_string()) << r.out;
}

TEST(HostileJson, NonUtf8ArgumentsAndFileNamesInErrors) {
    TempDir dir;
    const auto host = run({"--json", "restore-server", "--file", erased_host_image(dir.path()).string(), "--pem",
                           kServerPub.string(), "--host", "bad\xff\xfehost"});
    EXPECT_TRUE(one_json_document(host.out, host.status));
    EXPECT_EQ(host.status, 7) << host.out;
    const auto file = run({"--json", "inspect", "--file", (dir.path() / "\xff\xfe.dct").string()});
    EXPECT_TRUE(one_json_document(file.out, file.status));
    EXPECT_EQ(file.status, 8) << file.out;
    const auto usage = run({"--json", "inspect", "--no-such-\xff"});
    EXPECT_TRUE(one_json_document(usage.out, usage.status));
    EXPECT_EQ(usage.status, 2) << usage.out;
}

} // namespace
