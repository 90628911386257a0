// Fault spec parsing and small string helpers of photon_emu.
#include "photon_emu.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <utility>

namespace photon_emu {
namespace {

constexpr std::array<std::pair<FaultKind, std::string_view>, 7> kKinds{{
    {FaultKind::Stall, "Stall"},
    {FaultKind::Error, "Error"},
    {FaultKind::Timeout, "Timeout"},
    {FaultKind::ShortRead, "ShortRead"},
    {FaultKind::Disconnect, "Disconnect"},
    {FaultKind::DisconnectAfter, "DisconnectAfter"},
    {FaultKind::Reset, "Reset"},
}};

constexpr std::array<std::pair<RequestClass, std::string_view>, 10> kClasses{{
    {RequestClass::DnloadData, "DnloadData"},
    {RequestClass::DnloadCommand, "DnloadCommand"},
    {RequestClass::SetAddress, "SetAddress"},
    {RequestClass::Erase, "Erase"},
    {RequestClass::Upload, "Upload"},
    {RequestClass::GetStatus, "GetStatus"},
    {RequestClass::ClrStatus, "ClrStatus"},
    {RequestClass::Abort, "Abort"},
    {RequestClass::Leave, "Leave"},
    {RequestClass::Any, "Any"},
}};

std::string normalize(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '-' || c == '_') continue;
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

std::string trim(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

template <typename T, std::size_t N>
std::string names_of(const std::array<std::pair<T, std::string_view>, N>& table) {
    std::string out;
    for (const auto& [v, n] : table) {
        if (!out.empty()) out += ", ";
        out += n;
    }
    return out;
}

Fault parse_item(const std::string& item) {
    const std::string where = "fault spec item '" + item + "': ";
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t colon = item.find(':', start);
        parts.push_back(
            trim(std::string_view(item).substr(start, colon == std::string::npos ? std::string::npos : colon - start)));
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    if (parts.size() < 2 || parts.size() > 3) {
        throw std::invalid_argument(where + "expected KIND:REQUEST[:N]");
    }
    Fault f{FaultKind::Stall, RequestClass::Any, 1};
    bool found = false;
    for (const auto& [k, n] : kKinds) {
        if (normalize(parts[0]) == normalize(n)) {
            f.kind = k;
            found = true;
        }
    }
    if (!found) {
        throw std::invalid_argument(where + "unknown fault kind '" + parts[0] + "' (expected one of " +
                                    names_of(kKinds) + ")");
    }
    found = false;
    for (const auto& [c, n] : kClasses) {
        if (normalize(parts[1]) == normalize(n)) {
            f.on = c;
            found = true;
        }
    }
    if (!found) {
        throw std::invalid_argument(where + "unknown request class '" + parts[1] + "' (expected one of " +
                                    names_of(kClasses) + ")");
    }
    if (parts.size() == 3) {
        const std::string& n = parts[2];
        unsigned v = 0;
        const auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), v);
        if (n.empty() || ec != std::errc() || p != n.data() + n.size() || v == 0) {
            throw std::invalid_argument(where + "N must be a positive decimal integer, got '" + n + "'");
        }
        f.nth = v;
    }
    if (f.kind == FaultKind::ShortRead && f.on != RequestClass::Upload && f.on != RequestClass::Any) {
        throw std::invalid_argument(where + "ShortRead applies to Upload (or Any) only");
    }
    return f;
}

} // namespace

std::vector<Fault> parse_faults(std::string_view spec) {
    std::vector<Fault> out;
    if (trim(spec).empty()) throw std::invalid_argument("empty fault spec (expected KIND:REQUEST[:N][,...])");
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = spec.find(',', start);
        const std::string item =
            trim(spec.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (item.empty()) throw std::invalid_argument("fault spec '" + std::string(spec) + "': empty item");
        out.push_back(parse_item(item));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

std::string_view to_string(FaultKind k) {
    for (const auto& [v, n] : kKinds)
        if (v == k) return n;
    return "?";
}

std::string_view to_string(RequestClass c) {
    for (const auto& [v, n] : kClasses)
        if (v == c) return n;
    return "?";
}

std::string_view to_string(Platform p) {
    switch (p) {
    case Platform::Photon:
        return "photon";
    case Platform::P1:
        return "p1";
    case Platform::Electron:
        return "electron";
    }
    return "?";
}

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (std::uint8_t b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 15]);
    }
    return out;
}

std::string transcript_entry_json(std::size_t device, const TranscriptEntry& e) {
    nlohmann::ordered_json j;
    j["device"] = device;
    j["seq"] = e.seq;
    j["name"] = e.name;
    j["request_type"] = e.request_type;
    j["request"] = e.request;
    j["value"] = e.value;
    j["index"] = e.index;
    j["length"] = e.length;
    j["state_before"] = e.state_before;
    j["state_after"] = e.state_after;
    j["result"] = e.result;
    j["fault"] = e.fault;
    j["data"] = to_hex(e.data);
    return j.dump();
}

} // namespace photon_emu
