#include "photon_dct/bench/bench.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "photon_dct/ops/device.hpp"
#include "photon_dct/ops/enter_dfu.hpp"
#include "photon_dct/text.hpp"
#include "photon_dct/usb/usb.hpp"

namespace photon_dct::bench {
namespace {

using Clock = std::chrono::steady_clock;

// A unit on the bench is the port it is plugged into: after it leaves DFU mode it resets and comes
// back on the same port running its firmware, under another product id and serial.
std::string unit_key(const usb::UsbDevice& d) { return d.port_path; }

// How long a finished unit's port must stay empty before a unit there is new: longer than the reset
// after leaving DFU mode (the unit is off the bus while it boots its firmware), shorter than a
// technician's unplug and plug.
constexpr std::chrono::seconds kReplugAbsence{2};

class Bench {
public:
    Bench(usb::UsbContext& context, const Station& station, const BenchOptions& options)
        : context_(context), station_(station), options_(options) {}

    BenchSummary run() {
        const auto began = Clock::now();
        last_activity_ = began;
        say(fmt::format("waiting for units (profile {}, up to {} at once)", escape(station_.profile->name),
                        options_.parallel));
        while (true) {
            reap();
            const bool stop_asked = options_.stop && options_.stop->load();
            const bool counted = options_.count && started_ >= *options_.count;
            if (stop_asked || counted) {
                summary_.interrupted = stop_asked && !counted;
                if (in_flight() == 0) break;
            } else {
                scan();
                if (options_.idle_exit && in_flight() == 0 && Clock::now() - last_activity() >= *options_.idle_exit)
                    break;
            }
            // A unit plugged in (hotplug) or a worker that finished (wake) ends the wait early.
            context_.wait_for_arrival(options_.poll);
        }
        for (auto& w : workers_) w.thread.join(); // every one has finished its unit (in_flight is 0)
        workers_.clear();
        summary_.seconds = std::chrono::duration<double>(Clock::now() - began).count();
        summary_.units_per_minute = summary_.seconds > 0 ? summary_.total() * 60.0 / summary_.seconds : 0;
        return summary_;
    }

private:
    struct Worker {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> finished;
    };

    static std::string escape(const std::string& text) { return photon_dct::escape_text(text); }

    void say(const std::string& line) {
        if (!options_.progress) return;
        std::lock_guard lock(output_);
        options_.progress(line);
    }

    unsigned in_flight() {
        std::lock_guard lock(mutex_);
        return in_flight_;
    }

    Clock::time_point last_activity() {
        std::lock_guard lock(mutex_);
        return last_activity_;
    }

    void reap() {
        for (auto it = workers_.begin(); it != workers_.end();) {
            if (it->finished->load()) {
                it->thread.join();
                it = workers_.erase(it);
            } else {
                ++it;
            }
        }
    }

    std::vector<usb::UsbDevice> list() {
        try {
            std::lock_guard lock(usb_);
            return ops::list_devices(context_);
        } catch (const Error& e) {
            say(fmt::format("cannot list USB devices: {}", e.what()));
            return {};
        }
    }

    // Forgets units that left the bus, and starts a worker for each new unit in DFU mode.
    void scan() {
        const auto devices = list();
        std::set<std::string> present;
        for (const auto& d : devices) present.insert(unit_key(d));
        {
            std::lock_guard lock(mutex_);
            const auto now = Clock::now();
            for (auto& [key, seen] : finished_)
                if (present.contains(key)) seen = now;
            std::erase_if(finished_, [&](const auto& entry) { return now - entry.second >= kReplugAbsence; });
            std::erase_if(noted_, [&](const auto& key) { return !present.contains(key); });
        }
        for (const auto& d : devices) {
            const std::string key = unit_key(d);
            std::unique_lock lock(mutex_);
            if (finished_.contains(key) || running_.contains(key)) continue;
            if (!d.dfu_mode() && !options_.enter_dfu.enabled) {
                if (noted_.insert(key).second) {
                    lock.unlock();
                    say(fmt::format("{}: put it in DFU mode (hold SETUP, tap RESET, release SETUP when the LED "
                                    "blinks yellow)",
                                    escape(d.describe())));
                }
                continue;
            }
            if (in_flight_ >= options_.parallel || (options_.count && started_ >= *options_.count)) return;
            running_.insert(key);
            ++in_flight_;
            ++started_;
            last_activity_ = Clock::now();
            lock.unlock();
            auto finished = std::make_shared<std::atomic<bool>>(false);
            workers_.push_back({std::thread([this, d, key, finished] { work(d, key, *finished); }), finished});
        }
    }

    // A unit running its firmware is switched into DFU mode first, the way every device command
    // does it (docs/enter-dfu.md); it comes back on the same port, which stays this worker's.
    usb::UsbDevice in_dfu_mode(const usb::UsbDevice& device) {
        if (device.dfu_mode()) return device;
        ops::EnterDfuOptions enter = options_.enter_dfu;
        enter.progress = [this](std::string_view line) { say(std::string(line)); };
        ops::ModeChange change;
        return ops::enter_dfu_mode(context_, device, enter, change);
    }

    void work(const usb::UsbDevice& found, const std::string& key, std::atomic<bool>& finished) {
        Attempt a;
        usb::UsbDevice device = found;
        try {
            device = in_dfu_mode(found);
            std::unique_ptr<ops::DeviceStore> store;
            {
                // Opening a unit lists and claims interfaces on the shared context: one at a time.
                std::lock_guard lock(usb_);
                store =
                    std::make_unique<ops::DeviceStore>(context_, device, station_.profile->backups, options_.session);
            }
            ops::Target target(*store);
            a = provision_unit(target, station_, ops::ProvisionOptions{true, {}}, "bench");
        } catch (const Error& e) {
            a = unit_failed(station_, "bench", {device.describe(), ops::unit_info(device)}, e);
        }
        {
            std::lock_guard lock(output_);
            if (options_.on_unit) options_.on_unit(a);
        }
        {
            std::lock_guard lock(mutex_);
            switch (a.result) {
            case AuditResult::Written:
                ++summary_.passed;
                break;
            case AuditResult::AlreadyConforms:
                ++summary_.same;
                break;
            default:
                ++summary_.failed;
                break;
            }
            running_.erase(key);
            finished_[key] = Clock::now();
            --in_flight_;
            last_activity_ = Clock::now();
        }
        finished = true;
        context_.wake();
    }

    usb::UsbContext& context_;
    const Station& station_;
    const BenchOptions& options_;
    std::mutex usb_;    // list and open: one at a time on the shared libusb context
    std::mutex output_; // on_unit / progress: one whole line at a time
    std::mutex mutex_;  // everything below
    std::set<std::string> running_;
    // Done in this run, with when it was last seen; forgotten once its port stayed empty kReplugAbsence.
    std::map<std::string, Clock::time_point> finished_;
    std::set<std::string> noted_; // in normal mode with enter_dfu disabled, already told
    unsigned in_flight_ = 0;
    unsigned started_ = 0;
    Clock::time_point last_activity_;
    BenchSummary summary_;
    std::vector<Worker> workers_;
};

} // namespace

BenchSummary run_bench(const Station& station, const BenchOptions& options) {
    usb::UsbContext context;
    return Bench(context, station, options).run();
}

} // namespace photon_dct::bench
