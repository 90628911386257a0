// verify and provision through the real CLI on image files: the exit statuses photon-dct(1)
// documents (verify 0 conforms / 11 differs; provision 0 written or already conforming / 15 the
// unit could not be brought to the profile), the text line and the --json document, the audit
// line, and that "already conforms" and every failure leave the image and the backup folder alone.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace {

using namespace cli_test;
using nlohmann::json;
using photon_dct::Bytes;

// The device ID an image holds (docs/dct-format.md 2: device_id, 12 bytes at 3618), lower-case hex.
std::string device_id_of(const Bytes& image) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 3618; i < 3630; ++i) {
        out += kDigits[image[i] >> 4];
        out += kDigits[image[i] & 0xF];
    }
    return out;
}

class VerifyProvision : public ::testing::Test {
protected:
    void SetUp() override {
        fs::create_directories(dir_ / "device-keys");
        fs::create_directories(dir_ / "backups");
        fs::copy_file(kServerPub, dir_ / "server.pub.pem");
        profile_ = dir_ / "p.toml";
        write_profile("restore");
    }
    void write_profile(const std::string& missing) {
        test_support::write_text(profile_, "name = \"cli\"\n[server]\nkey = \"server.pub.pem\"\n"
                                           "host = \"cloud.example.com\"\nport = 5683\n[device_key]\nmissing = \"" +
                                               missing +
                                               "\"\npublic_keys = \"device-keys\"\n[files]\nbackups = \"backups\"\n"
                                               "audit = \"audit.jsonl\"\n");
    }
    // A copy of `source` as unit.dct.
    fs::path image(const fs::path& source) {
        const fs::path p = dir_ / "unit.dct";
        fs::copy_file(source, p, fs::copy_options::overwrite_existing);
        return p;
    }
    Result command(const std::string& name, const fs::path& img, bool as_json = false) {
        std::vector<std::string> args;
        if (as_json) args.push_back("--json");
        args.insert(args.end(), {name, "--profile", profile_.string(), "--file", img.string(), "--operator", "t"});
        return run(args, dir_.path());
    }
    std::vector<json> audit() const {
        std::vector<json> out;
        std::istringstream in(test_support::read_text(dir_ / "audit.jsonl"));
        for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
        return out;
    }
    TempDir dir_;
    fs::path profile_;
};

TEST_F(VerifyProvision, VerifyAConformingImageExits0) {
    const auto img = image(kProvisioned);
    const std::string id = device_id_of(read_bytes(img));
    const auto r = command("verify", img);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "OK   " + id + " photon")) << r.out;
    EXPECT_TRUE(contains(r.out, ": conforms (")) << r.out;

    const auto j = command("verify", img, true);
    EXPECT_EQ(j.status, 0) << j.err;
    const auto doc = json::parse(j.out);
    EXPECT_EQ(doc["exit_code"], 0);
    EXPECT_EQ(doc["result"]["result"], "conforms");
    EXPECT_EQ(doc["result"]["device_id"], id);
    EXPECT_TRUE(doc["result"]["findings"].empty());
    const auto log = audit();
    ASSERT_EQ(log.size(), 2u);
    EXPECT_EQ(log[1]["command"], "verify");
    EXPECT_EQ(log[1]["result"], "conforms");
}

TEST_F(VerifyProvision, VerifyAnImageThatDiffersExits11WithOneLinePerFindingAndWritesNothing) {
    const auto img = image(kFieldFailure);
    const Bytes before = read_bytes(img);
    const auto r = command("verify", img);
    EXPECT_EQ(r.status, 11) << r.err;
    EXPECT_TRUE(contains(r.out, "DIFF " + device_id_of(before))) << r.out;
    EXPECT_TRUE(contains(r.out, "\n  server-address: ")) << r.out;

    const auto j = command("verify", img, true);
    EXPECT_EQ(j.status, 11) << j.err;
    const auto doc = json::parse(j.out);
    EXPECT_EQ(doc["exit_code"], 11);
    EXPECT_EQ(doc["result"]["result"], "differs");
    std::vector<std::string> codes;
    for (const auto& f : doc["result"]["findings"]) codes.push_back(f["code"]);
    EXPECT_NE(std::find(codes.begin(), codes.end(), "server-address"), codes.end()) << doc.dump();
    EXPECT_EQ(read_bytes(img), before);
    EXPECT_TRUE(fs::is_empty(dir_ / "backups"));
    EXPECT_EQ(audit().back()["result"], "differs");
}

TEST_F(VerifyProvision, ProvisionWritesOnceExportsThePublicKeyAndAuditsTheHashes) {
    const auto img = image(kFieldFailure);
    const Bytes before = read_bytes(img);
    const std::string id = device_id_of(before);
    const auto r = command("provision", img, true);
    ASSERT_EQ(r.status, 0) << r.err;
    const auto doc = json::parse(r.out);
    EXPECT_EQ(doc["result"]["result"], "written");
    EXPECT_EQ(doc["result"]["exit_code"], 0);
    const Bytes after = read_bytes(img);
    EXPECT_NE(after, before);
    EXPECT_EQ(doc["result"]["dct_sha256_before"], photon_dct::keys::sha256_hex(before));
    EXPECT_EQ(doc["result"]["dct_sha256_after"], photon_dct::keys::sha256_hex(after));
    EXPECT_TRUE(fs::exists(dir_ / "device-keys" / (id + ".pub.pem")));
    ASSERT_TRUE(doc["result"]["backup"].is_string());
    fs::path backup = doc["result"]["backup"].get<std::string>();
    if (backup.is_relative()) backup = dir_.path() / backup;
    EXPECT_EQ(read_bytes(backup), before);
    // Now it conforms: verify says so, and a second provision writes nothing.
    EXPECT_EQ(command("verify", img).status, 0);
    const auto again = command("provision", img);
    EXPECT_EQ(again.status, 0) << again.err;
    EXPECT_TRUE(contains(again.out, "SAME " + id)) << again.out;
    EXPECT_TRUE(contains(again.out, "already conforms")) << again.out;
    EXPECT_EQ(read_bytes(img), after);
    const auto log = audit();
    ASSERT_EQ(log.size(), 3u);
    EXPECT_EQ(log[0]["result"], "written");
    EXPECT_EQ(log[2]["result"], "already-conforms");
    EXPECT_EQ(log[2]["dct_sha256_before"], log[2]["dct_sha256_after"]);
}

TEST_F(VerifyProvision, AlreadyConformingIsNotWrittenAndMakesNoBackup) {
    const auto img = image(kProvisioned);
    const Bytes before = read_bytes(img);
    const auto r = command("provision", img, true);
    ASSERT_EQ(r.status, 0) << r.err;
    const auto doc = json::parse(r.out);
    EXPECT_EQ(doc["result"]["result"], "already-conforms");
    EXPECT_TRUE(doc["result"]["backup"].is_null());
    EXPECT_EQ(read_bytes(img), before);
    EXPECT_EQ(entries(dir_.path()),
              (std::set<std::string>{"audit.jsonl", "backups", "device-keys", "p.toml", "server.pub.pem", "unit.dct"}));
    EXPECT_TRUE(fs::is_empty(dir_ / "backups"));
}

TEST_F(VerifyProvision, AKeyConflictFailsWith15AndLeavesTheImage) {
    const auto img = image(kProvisioned);
    const Bytes before = read_bytes(img);
    // Another key registered for this unit: its own key must not be overwritten.
    fs::copy_file(kServerPub, dir_ / "device-keys" / (device_id_of(before) + ".pub.pem"));
    const auto r = command("provision", img);
    EXPECT_EQ(r.status, 15) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "FAIL " + device_id_of(before))) << r.out;
    EXPECT_TRUE(contains(r.out, "\n  device-key-conflict: ")) << r.out;
    const auto j = command("provision", img, true);
    EXPECT_EQ(j.status, 15);
    const auto doc = json::parse(j.out);
    EXPECT_EQ(doc["exit_code"], 15);
    EXPECT_EQ(doc["result"]["result"], "failed");
    EXPECT_EQ(read_bytes(img), before);
    EXPECT_TRUE(fs::is_empty(dir_ / "backups"));
    EXPECT_EQ(audit().back()["exit_code"], 15);
}

TEST_F(VerifyProvision, ABlankDeviceKeyWithMissingFailExits15) {
    write_profile("fail");
    const auto img = image(kErasedDeviceKey);
    const Bytes before = read_bytes(img);
    const auto r = command("provision", img, true);
    EXPECT_EQ(r.status, 15) << r.out << r.err;
    EXPECT_EQ(json::parse(r.out)["result"]["result"], "failed");
    EXPECT_EQ(read_bytes(img), before);
    EXPECT_EQ(command("verify", img).status, 11);
}

} // namespace
