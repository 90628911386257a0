#include "photon_dct/profile/profile.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "photon_dct/error.hpp"

namespace photon_dct::profile {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSchemaHint =
    "see \"Bench and factory\" in the README or photon-dct(1) for the profile schema";

std::string_view type_name(toml::node_type t) {
    switch (t) {
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a float";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
        return "a date/time";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::table:
        return "a table";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

// Reads one profile file; every failure names FILE:LINE:COLUMN of the node it is about.
class Reader {
public:
    Reader(const fs::path& path)
        : file_(path.string()), dir_(path.has_parent_path() ? path.parent_path() : fs::path(".")) {}

    std::string where(const toml::source_region& r) const {
        return fmt::format("{}:{}:{}", file_, r.begin.line, r.begin.column);
    }

    [[noreturn]] void fail(ErrorKind kind, const toml::source_region& r, const std::string& what,
                           std::string hint = std::string(kSchemaHint)) const {
        throw Error(kind, fmt::format("{}: {}", where(r), what), std::move(hint));
    }

    // Refuses any key of `table` not in `known`.
    template <std::size_t N>
    void only_keys(const toml::table& table, std::string_view table_name,
                   const std::array<std::string_view, N>& known) const {
        for (auto&& [key, value] : table) {
            if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
            std::string list;
            for (const auto k : known) list += fmt::format("{}{}", list.empty() ? "" : ", ", k);
            fail(ErrorKind::InvalidInput, key.source(), fmt::format("unknown key '{}' in {}", key.str(), table_name),
                 fmt::format("the keys allowed in {} are: {}", table_name, list));
        }
    }

    const toml::table& table(const toml::table& parent, std::string_view key, std::string_view what) const {
        const toml::node* node = parent.get(key);
        if (node == nullptr)
            fail(ErrorKind::InvalidInput, parent.source(), fmt::format("the profile has no {} table", what));
        if (!node->is_table())
            fail(ErrorKind::InvalidInput, node->source(),
                 fmt::format("{} must be a table, not {}", what, type_name(node->type())));
        return *node->as_table();
    }

    // A string value; nullopt when absent.
    std::optional<std::pair<std::string, toml::source_region>> string(const toml::table& t, std::string_view key,
                                                                      std::string_view what) const {
        const toml::node* node = t.get(key);
        if (node == nullptr) return std::nullopt;
        if (!node->is_string())
            fail(ErrorKind::InvalidInput, node->source(),
                 fmt::format("{} must be a string, not {}", what, type_name(node->type())));
        return std::pair{node->as_string()->get(), node->source()};
    }

    std::pair<std::string, toml::source_region> required_string(const toml::table& t, std::string_view key,
                                                                std::string_view what, std::string_view why) const {
        auto value = string(t, key, what);
        if (!value) fail(ErrorKind::InvalidInput, t.source(), fmt::format("{} is missing: {}", what, why));
        return *value;
    }

    // One of `choices`, spelled exactly.
    template <std::size_t N>
    std::optional<std::pair<std::string, toml::source_region>>
    choice(const toml::table& t, std::string_view key, std::string_view what,
           const std::array<std::string_view, N>& choices) const {
        auto value = string(t, key, what);
        if (value && std::find(choices.begin(), choices.end(), value->first) == choices.end()) {
            std::string list;
            for (const auto c : choices) list += fmt::format("{}\"{}\"", list.empty() ? "" : " or ", c);
            fail(ErrorKind::InvalidInput, value->second,
                 fmt::format("{} is '{}'; it must be {}", what, value->first, list));
        }
        return value;
    }

    // A path relative to the profile's directory (absolute paths stay as they are).
    fs::path resolve(const std::string& text) const { return text.empty() ? fs::path(text) : dir_ / text; }

    fs::path directory(const toml::table& t, std::string_view key, std::string_view what) const {
        const auto [text, region] = required_string(t, key, what, "name a directory (relative to the profile file)");
        const fs::path dir = resolve(text);
        std::error_code ec;
        if (text.empty() || !fs::is_directory(dir, ec))
            fail(ErrorKind::FileIo, region, fmt::format("{} '{}' is not a directory", what, dir.string()),
                 "create it first (photon-dct never guesses where records and keys belong)");
        return dir;
    }

    // The source a value parser (dct::parse_host/parse_port) names in its errors.
    std::string source(const toml::source_region& r, std::string_view what) const {
        return fmt::format("{}: {}", where(r), what);
    }

    // Rewrites an error of a loader that does not take a source with the place in the profile.
    template <typename F>
    auto with_place(const toml::source_region& r, std::string_view what, F&& parse) const {
        try {
            return parse();
        } catch (const Error& e) {
            fail(e.kind(), r, fmt::format("{}: {}", what, e.what()), e.hint());
        }
    }

    const std::string& file() const { return file_; }

private:
    std::string file_;
    fs::path dir_;
};

std::optional<dct::Slot> slot_for_key_type(const keys::Key& key) {
    if (key.type() == keys::KeyType::Rsa) return dct::Slot::Tcp;
    if (key.type() == keys::KeyType::Ec) return dct::Slot::Udp;
    return std::nullopt;
}

ServerSpec read_server(const Reader& in, const toml::table& root) {
    const auto& t = in.table(root, "server", "[server]");
    in.only_keys(t, "[server]", std::array<std::string_view, 5>{"cloud", "key", "host", "port", "protocol"});
    ServerSpec s;
    if (const auto protocol =
            in.choice(t, "protocol", "[server] protocol", std::array<std::string_view, 2>{"tcp", "udp"}))
        s.protocol = protocol->first == "tcp" ? dct::Slot::Tcp : dct::Slot::Udp;

    if (const auto cloud = in.choice(t, "cloud", "[server] cloud", std::array<std::string_view, 1>{"particle"})) {
        for (const auto key : {"key", "host", "port"})
            if (const toml::node* node = t.get(key))
                in.fail(ErrorKind::InvalidInput, node->source(),
                        fmt::format("[server] {} cannot be combined with cloud = \"particle\"", key),
                        "either name Particle's cloud (cloud = \"particle\") or a private cloud (key, host, port)");
        s.particle_cloud = true;
        return s;
    }

    const auto [host_text, host_at] = in.required_string(
        t, "host", "[server] host", "give the server's DNS name or IPv4 address, or cloud = \"particle\"");
    s.host = dct::parse_host(host_text, in.source(host_at, "[server] host"));
    if (const toml::node* port = t.get("port")) {
        if (!port->is_integer())
            in.fail(ErrorKind::InvalidInput, port->source(),
                    fmt::format("[server] port must be an integer, not {}", type_name(port->type())));
        const auto value = port->as_integer()->get();
        s.port = dct::parse_port(std::to_string(value), in.source(port->source(), "[server] port"));
    }

    const auto [key_text, key_at] =
        in.required_string(t, "key", "[server] key", "name the server's public key file (PEM or DER)");
    s.key_path = in.resolve(key_text);
    keys::Key key = in.with_place(key_at, "[server] key", [&] {
        return keys::load_key_file(s.key_path, fmt::format("'{}'", s.key_path.string()));
    });
    if (key.is_private())
        in.fail(ErrorKind::InvalidInput, key_at,
                fmt::format("[server] key '{}' holds a private key", s.key_path.string()),
                "name the server's PUBLIC key: a factory profile must not carry the cloud's private key");
    const auto slot = s.protocol ? s.protocol : slot_for_key_type(key);
    if (!slot)
        in.fail(
            ErrorKind::InvalidInput, key_at,
            fmt::format("[server] key is {}; a server key is RSA-2048 (TCP) or EC P-256 (UDP)", key.algorithm_name()));
    // The slot rules (size, exponent, the fixed-offset layout) live in the dct layer.
    in.with_place(key_at, "[server] key", [&] { return dct::server_key_der_for_slot(*slot, key); });
    s.key = std::move(key);
    return s;
}

Profile read_profile(const Reader& in, const toml::table& root, const fs::path& path, std::string sha256) {
    in.only_keys(root, "the profile", std::array<std::string_view, 4>{"name", "server", "device_key", "files"});
    Profile p;
    p.path = path;
    p.sha256 = std::move(sha256);
    const auto [name, name_at] =
        in.required_string(root, "name", "name", "give the profile a name (it is recorded in every audit record)");
    if (name.empty() ||
        std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        in.fail(ErrorKind::InvalidInput, name_at, fmt::format("name '{}' is empty or holds control characters", name));
    p.name = name;
    p.server = read_server(in, root);

    const auto& device_key = in.table(root, "device_key", "[device_key]");
    in.only_keys(device_key, "[device_key]", std::array<std::string_view, 2>{"missing", "public_keys"});
    if (const auto missing = in.choice(device_key, "missing", "[device_key] missing",
                                       std::array<std::string_view, 3>{"restore", "new", "fail"}))
        p.missing_key = missing->first == "restore" ? MissingKeyAction::Restore
                        : missing->first == "new"   ? MissingKeyAction::New
                                                    : MissingKeyAction::Fail;
    p.public_keys = in.directory(device_key, "public_keys", "[device_key] public_keys");

    const auto& files = in.table(root, "files", "[files]");
    in.only_keys(files, "[files]", std::array<std::string_view, 2>{"backups", "audit"});
    p.backups = in.directory(files, "backups", "[files] backups");
    const auto [audit_text, audit_at] =
        in.required_string(files, "audit", "[files] audit", "name the audit log file (JSON Lines, appended)");
    p.audit = in.resolve(audit_text);
    std::error_code ec;
    if (audit_text.empty() || fs::is_directory(p.audit, ec) || !fs::is_directory(p.audit.parent_path(), ec))
        in.fail(ErrorKind::FileIo, audit_at,
                fmt::format("[files] audit '{}' is not a file in an existing directory", p.audit.string()),
                "name a file (it is created on first use) in a directory that exists");
    return p;
}

} // namespace

Profile parse_profile(std::string_view text, const fs::path& path) {
    const Reader in(path);
    toml::table root;
    try {
        root = toml::parse(text, path.string());
    } catch (const toml::parse_error& e) {
        in.fail(ErrorKind::InvalidInput, e.source(), fmt::format("not valid TOML: {}", e.description()),
                "fix the syntax at that place (https://toml.io/en/v1.0.0)");
    }
    const auto bytes = ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    return read_profile(in, root, path, keys::sha256_hex(bytes));
}

Profile load_profile(const fs::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file)
        throw Error(ErrorKind::FileIo, fmt::format("--profile '{}': cannot open the file", path.string()),
                    "check the path; the profile is a TOML file (see photon-dct(1))");
    std::string text(kMaxProfileSize + 1, '\0');
    file.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (file.bad()) throw Error(ErrorKind::FileIo, fmt::format("--profile '{}': read error", path.string()));
    text.resize(static_cast<std::size_t>(file.gcount()));
    if (text.size() > kMaxProfileSize)
        throw Error(ErrorKind::InvalidInput, fmt::format("--profile '{}' is larger than {} bytes: not a profile",
                                                         path.string(), kMaxProfileSize));
    return parse_profile(text, path);
}

} // namespace photon_dct::profile
