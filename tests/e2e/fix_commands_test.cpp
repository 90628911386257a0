// Every fix inspect prints is a command line that works: for each finding that carries a fix, the
// printed line (placeholders filled in with test files) runs in a shell on the emulated unit that
// produced it, and inspect no longer reports that finding (issue 7).
#include "e2e_support.hpp"

#include <map>

#include "photon_dct/keys/key.hpp"

namespace e2e {
namespace {

namespace keys = photon_dct::keys;

const fs::path kProvisioned = kData / "photon-provisioned-backup.dct";

void fill(Bytes& b, std::size_t offset, std::size_t length, std::uint8_t value) {
    std::fill_n(b.begin() + static_cast<std::ptrdiff_t>(offset), length, value);
}

void write_text(const fs::path& p, const std::string& text) { write_file(p, Bytes(text.begin(), text.end())); }

std::string replace_all(std::string s, std::string_view from, const std::string& to) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

struct Case {
    std::string name;
    std::string platform; // emulator and image platform
    Bytes image;
    std::string code;    // the finding whose fix is run
    fs::path server_key; // fills SERVER_KEY.pem
    fs::path backup;     // fills BACKUP.dct
};

class FixCommands : public ::testing::Test {
protected:
    void SetUp() override {
        provisioned = window(read_file(kProvisioned));
        rsa_server = kData / "private-cloud-server.pub.pem";
        ec_server = tmp / "ec-server.pub.pem";
        write_text(ec_server, keys::generate_ec_p256().public_pem());
        // A working Electron on UDP: the provisioned Photon image plus a UDP device key and server block,
        // written by the tool itself.
        electron_backup = tmp / "electron-backup.dct";
        write_file(electron_backup, provisioned);
        const auto ec_device = tmp / "ec-device.pem";
        write_text(ec_device, keys::generate_ec_p256().private_pem());
        const std::vector<std::vector<std::string>> setup{
            {"restore-device-key", "--pem", ec_device.string(), "--protocol", "udp"},
            {"restore-server", "--pem", ec_server.string(), "--host", "cloud.example.com", "--protocol", "udp"}};
        for (auto args : setup) {
            args.insert(args.end(), {"--file", electron_backup.string(), "--platform", "electron", "-q"});
            const auto r = run(dct(args), tmp.path(), tmp.path());
            ASSERT_EQ(r.exit_code, 0) << r.describe();
        }
        electron = read_file(electron_backup);
        const auto check = run(dct({"--json", "inspect", "--file", electron_backup.string(), "--platform", "electron"}),
                               tmp.path(), tmp.path());
        ASSERT_EQ(check.exit_code, 0) << check.describe();
    }

    // The findings inspect reports on the unit holding `image`, by code, with their printed fix.
    std::map<std::string, std::string> findings(const Case& c, const fs::path& work) {
        const auto image = work / "image.dct";
        write_file(image, c.image);
        EmuOptions o;
        o.platform = c.platform;
        o.dct = image;
        const auto e = emu_run(o, dct({"--json", "inspect"}), work);
        EXPECT_TRUE(e.r.exit_code == 0 || e.r.exit_code == 11) << e.r.describe();
        std::map<std::string, std::string> out;
        const json doc = parse_one_json(e.r.out);
        for (const auto& f : doc["result"]["findings"])
            out[f["code"].get<std::string>()] = f["fix"].is_null() ? "" : f["fix"].get<std::string>();
        return out;
    }

    void expect_fix_works(const Case& c) {
        SCOPED_TRACE(c.name);
        const fs::path work = tmp.dir(c.name);
        const auto before = findings(c, work);
        ASSERT_TRUE(before.count(c.code)) << "no " << c.code << " finding";
        const std::string printed = before.at(c.code);
        ASSERT_EQ(printed.rfind("photon-dct ", 0), 0u) << printed;
        std::string line = replace_all(printed, "SERVER_KEY.pem", c.server_key.string());
        line = replace_all(line, "YOUR_SERVER", "cloud.example.com");
        line = replace_all(line, "BACKUP.dct", c.backup.string());

        // The fix, then inspect, in one session on the same emulated unit; the shell parses the line.
        EmuOptions o;
        o.platform = c.platform;
        o.dct = work / "image.dct";
        const std::string script = "export PATH=" + shell_quote(fs::path(kPhotonDct).parent_path().string()) +
                                   ":\"$PATH\"\n" + line + " --backup-dir " + shell_quote(work.string()) +
                                   " >fix.out 2>fix.err || { cat fix.err >&2; exit 99; }\n" +
                                   "photon-dct --json inspect >after.json\n";
        const auto e = emu_shell(o, script, work);
        ASSERT_NE(e.r.exit_code, 99) << line << "\n" << e.r.describe();
        const auto after = parse_one_json(read_text(work / "after.json"));
        for (const auto& f : after["result"]["findings"])
            EXPECT_NE(f["code"].get<std::string>(), c.code) << "still reported after: " << line;
    }

    TempDir tmp;
    Bytes provisioned;
    Bytes electron;
    fs::path rsa_server;
    fs::path ec_server;
    fs::path electron_backup;
};

TEST_F(FixCommands, PhotonServerFindings) {
    Bytes key_blank = provisioned;
    fill(key_blank, 2082, 294, 0xFF);
    Bytes key_garbage = provisioned;
    fill(key_garbage, 2082, 294, 0x5A);
    const Case cases[] = {
        {"address-blank", "photon", window(read_file(kData / "field-failure-photon-0.6.3.dct")), "server-address-blank",
         rsa_server, kProvisioned},
        {"key-blank", "photon", key_blank, "server-key-blank", rsa_server, kProvisioned},
        {"key-invalid", "photon", key_garbage, "server-key-invalid", rsa_server, kProvisioned},
    };
    for (const auto& c : cases) expect_fix_works(c);
}

// The address findings and the two key/address mismatches: the TCP server block at 2082 with its
// address at +384, typed the way particle-cli writes it (docs/dct-format.md §6.5), then bent.
TEST_F(FixCommands, PhotonServerAddressFindings) {
    constexpr std::size_t kBlock = 2082, kAddress = kBlock + 384;
    const Bytes custom_key = server_key_der();
    const Bytes particle_key = pem_to_der(test_support::kParticleTcpPem);
    Bytes empty = image_with(provisioned, kBlock, tcp_server_block(custom_key, "cloud.example.com", 5683u));
    empty[kAddress + 1] = 0; // a domain name of length 0
    // 65 bytes: the name runs into the port bytes at +66.
    const Bytes overlaps =
        image_with(provisioned, kBlock, tcp_server_block(custom_key, std::string(65, 'a'), std::nullopt));
    Bytes nonstandard = image_with(provisioned, kBlock, tcp_server_block(custom_key, "10.0.0.1", 5683u));
    nonstandard[kAddress + 1] = 5; // an IPv4 address whose length byte is not 4
    const Case cases[] = {
        {"address-empty", "photon", empty, "server-address-empty", rsa_server, kProvisioned},
        {"address-overlaps-port", "photon", overlaps, "server-address-overlaps-port", rsa_server, kProvisioned},
        {"address-nonstandard", "photon", nonstandard, "server-address-nonstandard", rsa_server, kProvisioned},
        {"particle-key-private-host", "photon",
         image_with(provisioned, kBlock, tcp_server_block(particle_key, "cloud.example.com", 5683u)),
         "server-key-particle-for-private-host", rsa_server, kProvisioned},
        {"particle-host-custom-key", "photon",
         image_with(provisioned, kBlock, tcp_server_block(custom_key, "device.spark.io", 5683u)),
         "server-address-particle-with-custom-key", rsa_server, kProvisioned},
    };
    for (const auto& c : cases) expect_fix_works(c);
}

TEST_F(FixCommands, PhotonDeviceKeyAndWholeDctFindings) {
    Bytes key_zero = provisioned;
    fill(key_zero, 34, 612, 0x00);
    // An RSA-1024 key with e = 3: the firmware's fixed-position parser expects 02 03 01 00 01.
    Bytes key_e3 = provisioned;
    const Bytes der = keys::generate_rsa(1024, 3).pkcs1_private_der();
    fill(key_e3, 34, 612, 0xFF);
    std::copy(der.begin(), der.end(), key_e3.begin() + 34);
    const Case cases[] = {
        {"device-key-blank", "photon", window(read_file(kData / "erased-device-key-photon.dct")), "device-key-blank",
         rsa_server, kProvisioned},
        {"device-key-zero", "photon", key_zero, "device-key-invalid", rsa_server, kProvisioned},
        {"device-key-e3", "photon", key_e3, "device-key-unreadable-by-firmware", rsa_server, kProvisioned},
        {"erased", "photon", Bytes(16384, 0xFF), "dct-erased", rsa_server, kProvisioned},
    };
    for (const auto& c : cases) expect_fix_works(c);
}

TEST_F(FixCommands, ElectronUdpSlotAndCloudTransport) {
    Bytes udp_key_blank = electron;
    fill(udp_key_blank, 3106, 192, 0xFF);
    Bytes udp_server_blank = electron;
    fill(udp_server_blank, 3298, 91, 0xFF);
    Bytes odd_slot = electron;
    odd_slot[2977] = 0x05;
    const Case cases[] = {
        // Once printed as `restore ... --only device-key --protocol udp`, which restore does not take.
        {"udp-device-key-blank", "electron", udp_key_blank, "device-key-blank", ec_server, electron_backup},
        {"udp-server-key-blank", "electron", udp_server_blank, "server-key-blank", ec_server, electron_backup},
        {"cloud-transport", "electron", odd_slot, "cloud-transport-nonstandard", ec_server, electron_backup},
    };
    for (const auto& c : cases) expect_fix_works(c);
}

} // namespace
} // namespace e2e
