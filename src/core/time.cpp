#include "core/time.h"

namespace ogpd {
namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}
  // Exactly `width` digits.
  std::optional<int> digits(std::size_t width) {
    if (pos_ + width > text_.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      const char c = text_[pos_ + i];
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    pos_ += width;
    return value;
  }
  bool take(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool peek_digit() const { return pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9'; }
  bool done() const { return pos_ == text_.size(); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

bool valid_day(int year, int month, int day) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

}  // namespace

std::optional<std::int64_t> parse_iso8601_ms(std::string_view text) {
  Reader r(text);
  const auto year = r.digits(4);
  if (!year || !r.take('-')) return std::nullopt;
  const auto month = r.digits(2);
  if (!month || !r.take('-')) return std::nullopt;
  const auto day = r.digits(2);
  if (!day || !(r.take('T') || r.take('t') || r.take(' '))) return std::nullopt;
  const auto hour = r.digits(2);
  if (!hour || !r.take(':')) return std::nullopt;
  const auto minute = r.digits(2);
  if (!minute || !r.take(':')) return std::nullopt;
  const auto second = r.digits(2);
  if (!second) return std::nullopt;
  if (!valid_day(*year, *month, *day) || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;

  int millis = 0;
  if (r.take('.')) {
    if (!r.peek_digit()) return std::nullopt;
    for (int place = 100; r.peek_digit(); place /= 10) millis += *r.digits(1) * place;
  }
  int offset_minutes = 0;
  if (!(r.take('Z') || r.take('z'))) {
    int sign = 0;
    if (r.take('+'))
      sign = 1;
    else if (r.take('-'))
      sign = -1;
    else
      return std::nullopt;
    const auto oh = r.digits(2);
    if (!oh || !r.take(':')) return std::nullopt;
    const auto om = r.digits(2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = sign * (*oh * 60 + *om);
  }
  if (!r.done()) return std::nullopt;

  const std::int64_t days =
      days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  const std::int64_t seconds = days * 86'400 + *hour * 3'600 + *minute * 60 + *second - offset_minutes * 60;
  return seconds * 1'000 + millis;
}

}  // namespace ogpd
