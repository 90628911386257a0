// --json: for success and failure of every command that runs on image files, and for usage
// errors, stdout is exactly one JSON document (schema_version, command, ok, exit_code = the exit
// status, error.kind/error.message on failure), and no private key material is ever on stdout.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace {

using namespace cli_test;
namespace keys = photon_dct::keys;
using nlohmann::json;

struct JsonCase {
    std::string name;
    // The arguments without --json (added by the test). "IMAGE" stands for a copy of `image` in the
    // test's directory, "DIR" for that directory, "DIR/name" for a path in it.
    std::vector<std::string> args;
    int exit_code;
    std::string command;    // expected "command" ("" for errors before a subcommand is known: null)
    std::string error_kind; // "" = success
    fs::path image = kFieldFailure;
    std::function<void(const fs::path& dir)> prepare = {}; // other files the case needs
};

void PrintTo(const JsonCase& k, std::ostream* os) { *os << k.name; }

fs::path copy_to(const fs::path& from, const fs::path& dir, const std::string& name) {
    fs::copy_file(from, dir / name);
    return dir / name;
}

// The case's files in `dir` and its arguments with the placeholders filled in.
std::vector<std::string> setup(const JsonCase& k, const fs::path& dir) {
    if (k.prepare) k.prepare(dir);
    std::vector<std::string> args;
    for (const auto& a : k.args) {
        if (a == "IMAGE")
            args.push_back(copy_to(k.image, dir, "u.dct").string());
        else if (a == "DIR")
            args.push_back(dir.string());
        else if (a.rfind("DIR/", 0) == 0)
            args.push_back((dir / a.substr(4)).string());
        else
            args.push_back(a);
    }
    return args;
}

std::vector<JsonCase> cases() {
    const std::string server_pub = kServerPub.string();
    const std::vector<std::string> restore_server{"restore-server", "--file", "IMAGE", "--pem", server_pub, "--host"};
    auto with = [](std::vector<std::string> args, std::initializer_list<std::string> more) {
        args.insert(args.end(), more);
        return args;
    };
    return {
        // ---- inspect
        {"InspectFindings", {"inspect", "--file", "IMAGE"}, 11, "inspect", ""},
        {"InspectClean", {"inspect", "--file", "IMAGE"}, 0, "inspect", "", kProvisioned},
        {"InspectRaw", {"inspect", "--file", "IMAGE", "--raw", "server_address"}, 11, "inspect", ""},
        {"InspectMissingFile", {"inspect", "--file", "DIR/nope.dct"}, 8, "inspect", "file-io"},
        {"InspectRawUnknownField",
         {"inspect", "--file", "IMAGE", "--raw", "nosuchfield"},
         7,
         "inspect",
         "invalid-input"},
        // ---- restore-server
        {"RestoreServerWrites", with(restore_server, {"cloud.example.com"}), 0, "restore-server", ""},
        {"RestoreServerDryRun", with(restore_server, {"192.0.2.10", "--dry-run"}), 0, "restore-server", ""},
        {"RestoreServerPrivateKeyPem",
         {"restore-server", "--file", "IMAGE", "--pem", "DIR/k.pem", "--host", "cloud.example.com"},
         0,
         "restore-server",
         "",
         kFieldFailure,
         [](const fs::path& d) { write_text(d / "k.pem", keys::generate_rsa(2048).private_pem()); }},
        {"RestoreServerBadHost", with(restore_server, {"1.2.3"}), 7, "restore-server", "invalid-input"},
        {"RestoreServerUdpOnPhoton", with(restore_server, {"cloud.example.com", "--protocol", "udp"}), 10,
         "restore-server", "refused"},
        {"RestoreServerMissingHost",
         {"restore-server", "--file", "IMAGE", "--pem", server_pub},
         2,
         "restore-server",
         "usage"},
        {"RestoreServerPortWithoutValue", with(restore_server, {"cloud.example.com", "--port"}), 2, "restore-server",
         "usage"},
        // ---- backup
        {"BackupWrites", {"backup", "--file", "IMAGE", "-o", "DIR/out.dct"}, 0, "backup", ""},
        {"BackupRefusesToOverwrite",
         {"backup", "--file", "IMAGE", "-o", "DIR/out.dct"},
         8,
         "backup",
         "file-io",
         kFieldFailure,
         [](const fs::path& d) { write_text(d / "out.dct", "keep me"); }},
        // ---- restore
        {"RestoreFromOwnBackup",
         {"restore", "--file", "IMAGE", "--from", "DIR/from.dct", "--only", "server"},
         0,
         "restore",
         "",
         kFieldFailure,
         [](const fs::path& d) { copy_to(kFieldFailure, d, "from.dct"); }},
        {"RestoreFromMissingBackup", {"restore", "--file", "IMAGE", "--from", "DIR/nope.dct"}, 8, "restore", "file-io"},
        // ---- restore-device-key
        {"RestoreDeviceKeyWrites",
         {"restore-device-key", "--file", "IMAGE", "--pem", kDeviceKey.string()},
         0,
         "restore-device-key",
         "",
         kErasedDeviceKey},
        {"RestoreDeviceKeyPublicKeyRefused",
         {"restore-device-key", "--file", "IMAGE", "--pem", server_pub},
         7,
         "restore-device-key",
         "invalid-input",
         kErasedDeviceKey},
        // ---- export-public-key
        {"ExportPublicKey", {"export-public-key", "--file", "IMAGE"}, 0, "export-public-key", "", kProvisioned},
        {"ExportPublicKeyToFile",
         {"export-public-key", "--file", "IMAGE", "-o", "DIR/device.pub.pem"},
         0,
         "export-public-key",
         "",
         kProvisioned},
        {"ExportPublicKeyNoFile", {"export-public-key", "--file", "DIR/nope.dct"}, 8, "export-public-key", "file-io"},
        // ---- new-device-key (the private key goes to a file, never to stdout)
        {"NewDeviceKeyWrites",
         {"new-device-key", "--file", "IMAGE", "--out-dir", "DIR/keys"},
         0,
         "new-device-key",
         "",
         kProvisioned,
         [](const fs::path& d) { fs::create_directory(d / "keys"); }},
        {"NewDeviceKeyDryRun",
         {"new-device-key", "--file", "IMAGE", "--out-dir", "DIR", "--dry-run"},
         0,
         "new-device-key",
         "",
         kProvisioned},
        // ---- protocol (Electron image; the Photon is refused)
        {"ProtocolShowElectron", {"protocol", "--file", "IMAGE", "--platform", "electron"}, 0, "protocol", ""},
        {"ProtocolSetElectron", {"protocol", "udp", "--file", "IMAGE", "--platform", "electron"}, 0, "protocol", ""},
        {"ProtocolOnPhotonRefused", {"protocol", "--file", "IMAGE"}, 10, "protocol", "refused"},
        // ---- verify and provision against a profile
        {"VerifyDiffers",
         {"verify", "--file", "IMAGE", "--profile", "DIR/station.toml"},
         11,
         "verify",
         "",
         kProvisioned,
         [](const fs::path& d) { write_profile(d); }},
        {"ProvisionWrites",
         {"provision", "--file", "IMAGE", "--profile", "DIR/station.toml"},
         0,
         "provision",
         "",
         kProvisioned,
         [](const fs::path& d) { write_profile(d); }},
        // ---- usage errors
        {"UnknownOption", {"inspect", "--file", "IMAGE", "--bogus"}, 2, "inspect", "usage"},
        {"NoSubcommand", {}, 2, "", "usage"},
        {"UnknownSubcommand", {"frobnicate"}, 2, "", "usage"},
    };
}

class JsonOutput : public ::testing::TestWithParam<JsonCase> {};

// Every string value in `value`, with its JSON pointer, that is "": the one rule for absent values
// is null (man page, JSON OUTPUT).
void collect_empty_strings(const json& value, const std::string& where, std::vector<std::string>& out) {
    if (value.is_string() && value.get<std::string>().empty()) out.push_back(where);
    if (value.is_object())
        for (const auto& [key, member] : value.items()) collect_empty_strings(member, where + "/" + key, out);
    if (value.is_array())
        for (std::size_t i = 0; i < value.size(); ++i)
            collect_empty_strings(value[i], where + "/" + std::to_string(i), out);
}

// The unit object of a result about an image: the image's platform and the device ID its DCT holds,
// no USB identity.
void check_image_unit(const json& result, const std::string& platform) {
    ASSERT_TRUE(result.contains("unit") && result["unit"].is_object()) << result.dump(2);
    const auto& unit = result["unit"];
    std::set<std::string> keys;
    for (const auto& [key, value] : unit.items()) keys.insert(key);
    EXPECT_EQ(keys, (std::set<std::string>{"device_id", "platform", "mode", "usb_path", "serial"})) << unit.dump();
    EXPECT_EQ(unit["platform"], platform);
    EXPECT_TRUE(unit["device_id"].is_null() ||
                (unit["device_id"].is_string() && unit["device_id"].get<std::string>().size() == 24))
        << unit.dump();
    EXPECT_TRUE(unit["mode"].is_null()) << unit.dump();
    EXPECT_TRUE(unit["usb_path"].is_null()) << unit.dump();
    EXPECT_TRUE(unit["serial"].is_null()) << unit.dump();
}

// Every command's document on an image: no "" anywhere, and a result carries the unit object.
void check_absent_is_null(const JsonCase& k, const std::vector<std::string>& args, const Result& r) {
    const json doc = json::parse(r.out);
    std::vector<std::string> empty;
    collect_empty_strings(doc, "", empty);
    EXPECT_TRUE(empty.empty()) << "\"\" where null is meant at " << ::testing::PrintToString(empty) << ":\n" << r.out;
    if (k.error_kind.empty()) {
        const bool electron = std::find(args.begin(), args.end(), "electron") != args.end();
        check_image_unit(doc["result"], electron ? "electron" : "photon");
    }
}

void check_document(const JsonCase& k, const Result& r) {
    EXPECT_EQ(r.status, k.exit_code) << "stdout: " << r.out << "\nstderr: " << r.err;
    json doc;
    try {
        doc = json::parse(r.out); // the whole of stdout: trailing text makes this throw
    } catch (const json::exception& e) {
        FAIL() << "stdout is not exactly one JSON document (" << e.what() << "):\n" << r.out << "\nstderr: " << r.err;
    }
    ASSERT_TRUE(doc.is_object()) << r.out;
    EXPECT_EQ(doc.value("schema_version", -1), 1);
    EXPECT_EQ(doc.value("tool", ""), "photon-dct");
    ASSERT_TRUE(doc.contains("command")) << r.out;
    if (k.command.empty())
        EXPECT_TRUE(doc["command"].is_null()) << r.out;
    else
        EXPECT_EQ(doc["command"], k.command);
    ASSERT_TRUE(doc.contains("exit_code") && doc["exit_code"].is_number_integer()) << r.out;
    EXPECT_EQ(doc["exit_code"].get<int>(), r.status) << "exit_code in the document differs from the exit status";
    ASSERT_TRUE(doc.contains("ok") && doc["ok"].is_boolean()) << r.out;
    ASSERT_TRUE(doc.contains("warnings") && doc["warnings"].is_array()) << r.out;
    if (k.error_kind.empty()) {
        EXPECT_TRUE(doc["ok"].get<bool>()) << r.out;
        EXPECT_TRUE(doc.contains("result") && doc["result"].is_object()) << r.out;
        EXPECT_FALSE(doc.contains("error")) << r.out;
    } else {
        EXPECT_FALSE(doc["ok"].get<bool>()) << r.out;
        ASSERT_TRUE(doc.contains("error") && doc["error"].is_object()) << r.out;
        EXPECT_EQ(doc["error"].value("kind", ""), k.error_kind) << r.out;
        EXPECT_FALSE(doc["error"].value("message", "").empty()) << r.out;
        EXPECT_FALSE(doc.contains("result")) << r.out;
    }
    EXPECT_FALSE(contains(r.out, "PRIVATE KEY")) << "private key material on stdout:\n" << r.out;
}

TEST_P(JsonOutput, ExactlyOneDocument) {
    const JsonCase& k = GetParam();
    TempDir dir;
    auto args = setup(k, dir.path());
    args.insert(args.begin(), "--json");
    const auto r = run(args, dir.path());
    check_document(k, r);
    EXPECT_EQ(r.err, "") << "--json mode prints nothing on stderr";
    check_absent_is_null(k, args, r);
}

// The flag after the subcommand (CLI11 fallthrough) gives the same document.
TEST_P(JsonOutput, ExactlyOneDocumentWithFlagLast) {
    const JsonCase& k = GetParam();
    TempDir dir;
    auto args = setup(k, dir.path());
    args.push_back("--json");
    const auto r = run(args, dir.path());
    if (k.name == "RestoreServerPortWithoutValue") {
        // "--port --json" makes --json the port's value: a different error (invalid port).
        EXPECT_EQ(r.status, 7) << r.out;
        EXPECT_FALSE(contains(r.out, "PRIVATE KEY"));
        return;
    }
    check_document(k, r);
}

INSTANTIATE_TEST_SUITE_P(Command, JsonOutput, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<JsonCase>& p) { return p.param.name; });

TEST(JsonContent, RestoreServerReportsTheWriteAndTheBackup) {
    TempDir dir;
    const auto image = copy_to(kFieldFailure, dir.path(), "u.dct");
    const auto r = run({"--json", "restore-server", "--file", image.string(), "--pem", kServerPub.string(), "--host",
                        "cloud.example.com", "--port", "5683"},
                       dir.path());
    ASSERT_EQ(r.status, 0) << r.out;
    const auto doc = json::parse(r.out);
    const auto& res = doc["result"];
    EXPECT_EQ(res["slot"], "tcp");
    EXPECT_EQ(res["block_offset"], 2082);
    EXPECT_EQ(res["block_size"], 512);
    EXPECT_EQ(res["host"], "cloud.example.com");
    EXPECT_EQ(res["port"], 5683);
    EXPECT_EQ(res["key_sha256"], keys::fingerprint(keys::load_key_file(kServerPub)));
    EXPECT_EQ(res["write"]["written"], true);
    EXPECT_EQ(res["write"]["verified"], true);
    EXPECT_EQ(res["write"]["write_offset"], 2082);
    EXPECT_EQ(res["write"]["write_length"], 512);
    ASSERT_TRUE(res["write"]["backup"].is_string());
    EXPECT_TRUE(fs::exists(res["write"]["backup"].get<std::string>()));
}

TEST(JsonContent, WarningsGoIntoTheDocument) {
    TempDir dir;
    const auto image = copy_to(kFieldFailure, dir.path(), "u.dct");
    write_text(dir / "k.pem", keys::generate_rsa(2048).private_pem());
    const auto r = run({"--json", "restore-server", "--file", image.string(), "--pem", (dir / "k.pem").string(),
                        "--host", "cloud.example.com"},
                       dir.path());
    ASSERT_EQ(r.status, 0) << r.out;
    const auto doc = json::parse(r.out);
    ASSERT_EQ(doc["warnings"].size(), 1u) << r.out;
    EXPECT_TRUE(contains(doc["warnings"][0].get<std::string>(), "private key"));
}

TEST(JsonContent, InspectReportsTheBlankAddressFinding) {
    const auto r = run({"--json", "inspect", "--file", kFieldFailure.string()});
    ASSERT_EQ(r.status, 11);
    const auto doc = json::parse(r.out);
    EXPECT_TRUE(doc["ok"].get<bool>());
    EXPECT_TRUE(doc["result"]["has_errors"].get<bool>());
    EXPECT_EQ(doc["result"]["platform"], "photon");
    bool found = false;
    for (const auto& f : doc["result"]["findings"])
        if (f["severity"] == "error" &&
            contains(f["consequence"].get<std::string>() + f["message"].get<std::string>(), "device.spark.io"))
            found = true;
    EXPECT_TRUE(found) << doc["result"]["findings"].dump(2);
    EXPECT_EQ(doc["result"]["image_sha256"], sha256_file(kFieldFailure));
}

// The device key never reaches stdout in any mode, including human-readable output.
TEST(PrivateKeyMaterial, NeverOnStdoutInTextMode) {
    TempDir dir;
    fs::create_directory(dir / "keys");
    const std::vector<std::vector<std::string>> commands = {
        {"inspect", "--file", kProvisioned.string(), "--raw", "device_private_key"},
        {"export-public-key", "--file", kProvisioned.string()},
        {"restore-device-key", "--file", copy_to(kErasedDeviceKey, dir.path(), "a.dct").string(), "--pem",
         kDeviceKey.string()},
        {"new-device-key", "--file", copy_to(kProvisioned, dir.path(), "b.dct").string(), "--out-dir",
         (dir / "keys").string()},
    };
    for (const auto& args : commands) {
        const auto r = run(args, dir.path());
        EXPECT_TRUE(r.status == 0 || r.status == 11 || r.status == 7) << args[0] << ": " << r.err;
        EXPECT_FALSE(contains(r.out, "PRIVATE KEY")) << args[0] << ":\n" << r.out;
        EXPECT_FALSE(contains(r.err, "PRIVATE KEY")) << args[0] << ":\n" << r.err;
    }
}

} // namespace
