// Per-SSRC reorder buffer: packets go in as they arrive and come out in
// sequence-number order, each with the number of packets given up as lost
// just before it. Codec-agnostic: T is whatever the caller stores per packet.
//
// Bounded: at most `capacity` packets are held, and a missing packet is waited
// for at most `max_wait_us` of arrival time. Duplicates and packets that come
// after their place was given up are dropped and counted, never reordered
// into the output. A sequence jump larger than `max_jump` (a sender restart)
// releases what is held and starts over from the new number.
//
// Not thread-safe. Sequence wrap at 65535 is handled by unwrapping.
#ifndef RTPARCHIVE_REORDER_REORDER_BUFFER_H_
#define RTPARCHIVE_REORDER_REORDER_BUFFER_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "base/wrap_around.h"

namespace rtparchive::reorder {

struct ReorderOptions {
  size_t capacity = 512;          // packets held at most
  int64_t max_wait_us = 200'000;  // how long a gap is waited for
  int64_t max_jump = 3000;        // larger sequence jumps restart the buffer
};

struct ReorderCounters {
  int64_t received = 0;  // every packet given to Push
  int64_t released = 0;
  int64_t lost = 0;  // sequence numbers given up on
  int64_t duplicates = 0;
  int64_t late = 0;      // arrived after its place was given up
  int64_t restarts = 0;  // sequence jumps beyond max_jump
};

enum class PushResult { kAccepted, kDuplicate, kLate };

template <typename T>
class ReorderBuffer {
 public:
  struct Released {
    T item;
    int64_t sequence;     // unwrapped sequence number
    int64_t lost_before;  // packets given up on just before this one
    bool restart_before;  // the sequence restarted just before this one
  };

  explicit ReorderBuffer(ReorderOptions options = {})
      : options_(options), slots_(options.capacity) {}
  ReorderBuffer(const ReorderBuffer&) = delete;
  ReorderBuffer& operator=(const ReorderBuffer&) = delete;

  // Takes one packet and calls `emit(Released&&)` for each packet that is now
  // ready, in order. `arrival_time_us` must not go backwards by much: it
  // drives the bounded wait.
  //
  // A retransmission (RTX) never restarts the sequence: one far from the
  // current place is old (a probe resending history) and counted late.
  template <typename Emit>
  PushResult Push(uint16_t sequence_number, int64_t arrival_time_us, T item, Emit&& emit,
                  bool retransmission = false) {
    ++counters_.received;
    if (retransmission && next_) {
      const int64_t distance = unwrapper_.Peek(sequence_number) - *next_;
      if (distance > options_.max_jump || -distance > options_.max_jump) {
        ++counters_.late;
        return PushResult::kLate;
      }
    }
    const int64_t sequence = unwrapper_.Unwrap(sequence_number);
    if (!next_) next_ = sequence;
    const int64_t distance = sequence - *next_;
    if (distance < 0) {
      const bool still_known =
          -distance <= static_cast<int64_t>(slots_.size()) && SlotOf(sequence).sequence == sequence;
      if (still_known) {
        ++counters_.duplicates;
        return PushResult::kDuplicate;
      }
      if (-distance <= options_.max_jump) {
        ++counters_.late;
        return PushResult::kLate;
      }
    }
    if (distance > options_.max_jump || -distance > options_.max_jump) {
      Flush(emit);
      ++counters_.restarts;
      restart_pending_ = true;
      next_ = sequence;
    }
    // Make room: give up on the oldest places until `sequence` fits.
    while (sequence - *next_ >= static_cast<int64_t>(slots_.size())) Step(emit);
    Slot& slot = SlotOf(sequence);
    if (slot.sequence == sequence) {
      ++counters_.duplicates;
      return PushResult::kDuplicate;
    }
    slot.sequence = sequence;
    slot.item = std::move(item);
    ++held_;
    Advance(arrival_time_us, emit);
    return PushResult::kAccepted;
  }

  // Releases what is ready at `now_us` (for callers with a timer).
  template <typename Emit>
  void Advance(int64_t now_us, Emit&& emit) {
    while (held_ > 0) {
      if (SlotOf(*next_).item) {
        Step(emit);
        gap_since_us_.reset();
        continue;
      }
      if (!gap_since_us_) gap_since_us_ = now_us;
      if (now_us - *gap_since_us_ < options_.max_wait_us) return;
      while (!SlotOf(*next_).item) Step(emit);  // give up on the gap
      gap_since_us_.reset();
    }
  }

  // Releases everything held, giving up on every gap (end of stream).
  template <typename Emit>
  void Flush(Emit&& emit) {
    while (held_ > 0) Step(emit);
    gap_since_us_.reset();
  }

  // The item held for `sequence_number` (of those pushed lately), or null
  // when none is: released, given up on, or never taken.
  T* Held(uint16_t sequence_number) {
    if (held_ == 0) return nullptr;
    const int64_t sequence = unwrapper_.Peek(sequence_number);
    Slot& slot = SlotOf(sequence);
    return slot.item && slot.sequence == sequence ? &*slot.item : nullptr;
  }
  const ReorderCounters& counters() const { return counters_; }
  size_t held() const { return held_; }

 private:
  struct Slot {
    int64_t sequence = -1;  // last sequence number stored here
    std::optional<T> item;  // present while held
  };

  Slot& SlotOf(int64_t sequence) {
    const int64_t size = static_cast<int64_t>(slots_.size());
    return slots_[((sequence % size) + size) % size];
  }

  // Moves past *next_: releases it when held, else counts it lost.
  template <typename Emit>
  void Step(Emit&& emit) {
    Slot& slot = SlotOf(*next_);
    if (slot.item && slot.sequence == *next_) {
      --held_;
      ++counters_.released;
      Released released{std::move(*slot.item), *next_, lost_pending_, restart_pending_};
      slot.item.reset();
      lost_pending_ = 0;
      restart_pending_ = false;
      emit(std::move(released));
    } else {
      ++lost_pending_;
      ++counters_.lost;
    }
    ++*next_;
  }

  ReorderOptions options_;
  std::vector<Slot> slots_;
  SequenceUnwrapper unwrapper_;
  std::optional<int64_t> next_;  // next sequence number to release
  size_t held_ = 0;
  int64_t lost_pending_ = 0;
  bool restart_pending_ = false;
  std::optional<int64_t> gap_since_us_;
  ReorderCounters counters_;
};

}  // namespace rtparchive::reorder

#endif  // RTPARCHIVE_REORDER_REORDER_BUFFER_H_
