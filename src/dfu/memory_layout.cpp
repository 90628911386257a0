#include "photon_dct/dfu/memory_layout.hpp"

#include <limits>

#include "photon_dct/error.hpp"

namespace photon_dct::dfu {

namespace {

std::string trim_right(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    MemoryLayout parse() {
        MemoryLayout layout;
        expect('@', "a DfuSe layout starts with '@'");
        const auto slash = text_.find('/', pos_);
        if (slash == std::string_view::npos) fail("no '/' after the name");
        layout.name = trim_right(text_.substr(pos_, slash - pos_));
        pos_ = slash;
        if (layout.name.empty()) fail("empty name");
        while (pos_ < text_.size()) {
            expect('/', "expected '/' before a start address");
            if (pos_ >= text_.size()) break; // a trailing '/' ends the string (seen in the wild)
            parse_region(layout);
        }
        if (layout.segments.empty()) fail("no memory segments");
        return layout;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw Error(ErrorKind::DfuProtocol, "malformed DfuSe memory layout \"" + std::string(text_) + "\": " + why +
                                                " (at character " + std::to_string(pos_) + ")");
    }

    void expect(char c, const char* why) {
        if (pos_ >= text_.size() || text_[pos_] != c) fail(why);
        ++pos_;
    }

    bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

    std::uint64_t number(int base, const char* what) {
        std::uint64_t value = 0;
        std::size_t digits = 0;
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            int d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (base == 16 && c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else if (base == 16 && c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
            else
                break;
            value = value * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
            if (value > std::numeric_limits<std::uint32_t>::max()) fail(std::string(what) + " is too large");
            ++digits;
            ++pos_;
        }
        if (digits == 0) fail(std::string("expected ") + what);
        return value;
    }

    void parse_region(MemoryLayout& layout) {
        if (!(at('0') && pos_ + 1 < text_.size() && (text_[pos_ + 1] == 'x' || text_[pos_ + 1] == 'X'))) {
            fail("expected a start address in 0x… form");
        }
        pos_ += 2;
        std::uint64_t address = number(16, "a hexadecimal start address");
        expect('/', "expected '/' after the start address");
        for (;;) {
            const std::uint64_t count = number(10, "a page count");
            expect('*', "expected '*' after the page count");
            std::uint64_t size = number(10, "a page size");
            std::uint8_t type = 0;
            if (pos_ >= text_.size()) fail("missing multiplier/type letter");
            const char mult = text_[pos_];
            if (mult == 'B' || mult == ' ') {
                ++pos_;
            } else if (mult == 'K') {
                size *= 1024;
                ++pos_;
            } else if (mult == 'M') {
                size *= 1024 * 1024;
                ++pos_;
            } else if (mult >= 'a' && mult <= 'g') {
                // no multiplier: the letter is the type
            } else {
                fail(std::string("unknown multiplier '") + mult + "'");
            }
            if (pos_ < text_.size() && text_[pos_] >= 'a' && text_[pos_] <= 'g') {
                type = static_cast<std::uint8_t>((text_[pos_] - 'a' + 1) & 7);
                ++pos_;
            } else {
                fail("missing type letter a-g");
            }
            if (count == 0 || size == 0) fail("empty segment");
            const std::uint64_t end = address + count * size;
            if (end > std::uint64_t{1} << 32) fail("segment extends past 4 GiB");
            layout.segments.push_back(MemorySegment{static_cast<std::uint32_t>(address),
                                                    static_cast<std::uint32_t>(count), static_cast<std::uint32_t>(size),
                                                    type});
            address = end;
            if (at(',')) {
                ++pos_;
                continue;
            }
            break;
        }
        if (pos_ < text_.size() && !at('/')) {
            fail(std::string("unexpected character '") + text_[pos_] + "'");
        }
    }

    std::string_view text_;
    std::size_t pos_{0};
};

} // namespace

const MemorySegment* MemoryLayout::find(std::uint64_t address) const {
    for (const auto& segment : segments) {
        if (segment.contains(address)) return &segment;
    }
    return nullptr;
}

bool MemoryLayout::covers(std::uint64_t address, std::uint64_t length, std::uint8_t required_attributes) const {
    std::uint64_t cursor = address;
    const std::uint64_t end = address + length;
    while (cursor < end) {
        const MemorySegment* segment = find(cursor);
        if (segment == nullptr) return false;
        if ((segment->attributes & required_attributes) != required_attributes) return false;
        cursor = segment->end();
    }
    return true;
}

MemoryLayout parse_memory_layout(std::string_view text) { return Parser(text).parse(); }

std::optional<std::string> memory_layout_name(std::string_view text) {
    if (text.empty() || text.front() != '@') return std::nullopt;
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    return trim_right(text.substr(1, slash - 1));
}

} // namespace photon_dct::dfu
