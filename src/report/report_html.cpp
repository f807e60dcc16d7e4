// The HTML report: one page with inline CSS and inline SVG, so it displays offline and in mail.
#include <algorithm>
#include <vector>

#include "bulkqa/report/report_format.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa {

namespace {

std::string escape_html(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

// SVG coordinates with one decimal, which is finer than a pixel.
std::string coordinate(double value) {
  return fixed_decimal(value, 1);
}

constexpr std::string_view kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2933; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; }
p.note { color: #52606d; max-width: 60em; }
table { border-collapse: collapse; margin: 12px 0; font-size: 0.9em; }
th, td { border: 1px solid #cbd2d9; padding: 4px 8px; }
th { background: #f0f4f8; }
td.num, td.pct { text-align: right; white-space: nowrap; }
td.empty { color: #9aa5b1; text-align: center; }
span.ci { display: block; color: #7b8794; font-size: 0.85em; }
tr.totals td { font-weight: 600; border-top: 2px solid #7b8794; }
tr.class-average td { font-style: italic; }
section.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure.class-charts { margin: 0; padding: 8px; border: 1px solid #e4e7eb; border-radius: 6px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { display: inline-block; margin-right: 8px; background: #fff; }
svg text { font-size: 10px; fill: #52606d; }
svg .axis { stroke: #9aa5b1; stroke-width: 1; }
svg .grid { stroke: #e4e7eb; stroke-width: 1; }
svg .bar.ok { fill: #3ebd93; } svg .bar.fails { fill: #ef8e58; }
svg .whisker { stroke: #1f2933; stroke-width: 1.2; }
svg .target { stroke: #c65d7b; stroke-dasharray: 4 3; }
svg .diagonal { stroke: #9aa5b1; stroke-dasharray: 4 3; }
svg .observed { fill: #b6e0fe; }
svg .curve { fill: none; stroke: #2680c2; stroke-width: 1.5; }
svg .point { fill: #2680c2; }
svg .gap { stroke: #c65d7b; stroke-width: 1.5; }
svg text.empty-mark { font-size: 14px; fill: #9aa5b1; }
)";

// ---- Tables ----

std::string cell(std::string_view css_class, std::string_view content) {
  return "<td class=\"" + std::string(css_class) + "\">" + std::string(content) + "</td>";
}

std::string count_cell(std::size_t count) {
  return cell("num", std::to_string(count));
}

std::string percent_td(std::optional<double> percent, std::optional<Interval> interval) {
  if (!percent) return cell("pct empty", kEmptyCell);
  std::string content = percent_cell(percent);
  if (interval) content += "<span class=\"ci\">" + interval_cell(*interval) + "</span>";
  return cell("pct", content);
}

std::string accuracy_header(const Report& report) {
  std::string head = "<thead><tr>";
  for (const char* name : {"Label", "Total", "Confirmed", "Disconfirm", "Split", "%Correct"}) {
    head += "<th rowspan=\"2\">" + std::string(name) + "</th>";
  }
  for (const auto& bucket : report.totals.buckets) {
    head += "<th colspan=\"3\" class=\"bucket\">" + bucket_name(bucket) + "</th>";
  }
  head += "</tr><tr>";
  for (std::size_t at = 0; at < report.totals.buckets.size(); ++at) {
    head += "<th>Total</th><th>Incorrect</th><th>%Correct</th>";
  }
  return head + "</tr></thead>";
}

std::string stats_row(const ClassStats& stats, std::string_view row_class) {
  std::string row = "<tr class=\"" + std::string(row_class) + "\"><th scope=\"row\">" +
                    escape_html(stats.label) + "</th>" + count_cell(stats.total) +
                    count_cell(stats.confirmed) + count_cell(stats.disconfirmed) +
                    count_cell(stats.split) + percent_td(stats.percent_correct(), stats.ci95());
  for (const auto& bucket : stats.buckets) {
    row += count_cell(bucket.total) + count_cell(bucket.incorrect) +
           percent_td(bucket.percent_correct(), bucket.ci95());
  }
  return row + "</tr>";
}

std::string average_row(const ClassAverage& average) {
  std::string row = "<tr class=\"class-average\"><th scope=\"row\">Class Average</th>";
  for (int at = 0; at < 4; ++at) row += "<td></td>";
  row += percent_td(average.percent_correct, std::nullopt);
  for (const auto& percent : average.bucket_percent_correct) {
    row += "<td></td><td></td>" + percent_td(percent, std::nullopt);
  }
  return row + "</tr>";
}

std::string accuracy_table(const Report& report) {
  std::string table = "<table id=\"accuracy\">" + accuracy_header(report) + "<tbody>";
  for (const auto& stats : report.classes) table += stats_row(stats, "class");
  table += stats_row(report.totals, "totals");
  table += average_row(report.class_average);
  return table + "</tbody></table>";
}

std::string thresholds_table(const Report& report) {
  std::string table =
      "<table id=\"thresholds\"><thead><tr><th>Label</th><th>Threshold</th></tr></thead><tbody>";
  for (const auto& stats : report.classes) {
    table += "<tr><th scope=\"row\">" + escape_html(stats.label) + "</th>" +
             cell("num", threshold_cell(stats.threshold)) + "</tr>";
  }
  return table + "</tbody></table>";
}

std::string calibration_table(const Report& report) {
  std::string table = "<table id=\"calibration\"><thead><tr><th>Label</th><th>ECE</th>";
  for (const auto& bucket : report.totals.buckets) table += "<th>" + bucket_name(bucket) + "</th>";
  table += "</tr></thead><tbody>";
  const auto row = [](const ClassStats& stats, std::string_view row_class) {
    std::string text = "<tr class=\"" + std::string(row_class) + "\"><th scope=\"row\">" +
                       escape_html(stats.label) + "</th>" +
                       (stats.ece ? cell("num", ece_cell(stats.ece)) : cell("empty", kEmptyCell));
    for (const auto& bucket : stats.buckets) {
      if (bucket.total == 0) {
        text += cell("empty", kEmptyCell);
        continue;
      }
      text += cell("num", coordinate(*bucket.mean_confidence()) + " → " +
                              percent_cell(bucket.percent_correct()) + " (" +
                              std::to_string(bucket.total) + ")");
    }
    return text + "</tr>";
  };
  for (const auto& stats : report.classes) table += row(stats, "class");
  table += row(report.totals, "totals");
  return table + "</tbody></table>";
}

// ---- Charts ----

constexpr double kChartWidth = 360;
constexpr double kChartHeight = 220;
constexpr double kLeft = 36;
constexpr double kRight = 12;
constexpr double kTop = 12;
constexpr double kBottom = 34;
constexpr double kPlotWidth = kChartWidth - kLeft - kRight;
constexpr double kPlotHeight = kChartHeight - kTop - kBottom;

double y_of_percent(double percent) {
  return kTop + kPlotHeight * (1 - percent / 100);
}

std::string svg_open(std::string_view css_class, std::string_view label) {
  return "<svg class=\"chart " + std::string(css_class) + "\" width=\"" + coordinate(kChartWidth) +
         "\" height=\"" + coordinate(kChartHeight) + "\" viewBox=\"0 0 " + coordinate(kChartWidth) +
         " " + coordinate(kChartHeight) + "\" role=\"img\" aria-label=\"" + std::string(label) +
         "\">";
}

std::string line(double x1, double y1, double x2, double y2, std::string_view css_class) {
  return "<line class=\"" + std::string(css_class) + "\" x1=\"" + coordinate(x1) + "\" y1=\"" +
         coordinate(y1) + "\" x2=\"" + coordinate(x2) + "\" y2=\"" + coordinate(y2) + "\"/>";
}

std::string text(double x, double y, std::string_view anchor, std::string_view content,
                 std::string_view css_class = "") {
  std::string element = "<text x=\"" + coordinate(x) + "\" y=\"" + coordinate(y) +
                        "\" text-anchor=\"" + std::string(anchor) + "\"";
  if (!css_class.empty()) element += " class=\"" + std::string(css_class) + "\"";
  return element + ">" + std::string(content) + "</text>";
}

// Gridlines and labels of the 0-100 %Correct axis, and the x axis line.
std::string percent_axis(std::string_view title) {
  std::string axis;
  for (int percent = 0; percent <= 100; percent += 25) {
    const double y = y_of_percent(percent);
    axis += line(kLeft, y, kLeft + kPlotWidth, y, "grid");
    axis += text(kLeft - 4, y + 3, "end", std::to_string(percent));
  }
  axis += line(kLeft, kTop + kPlotHeight, kLeft + kPlotWidth, kTop + kPlotHeight, "axis");
  axis += line(kLeft, kTop, kLeft, kTop + kPlotHeight, "axis");
  axis += text(kLeft + kPlotWidth / 2, kChartHeight - 4, "middle", title);
  return axis;
}

std::string bucket_tooltip(const BucketStats& bucket) {
  if (bucket.total == 0) return bucket_name(bucket) + ": no reviewed image";
  return bucket_name(bucket) + ": " + std::to_string(bucket.total) + " reviewed, " +
         std::to_string(bucket.incorrect) + " incorrect, %Correct " +
         percent_with_interval(bucket.percent_correct(), bucket.ci95());
}

// %Correct per bucket: bars (green when the bucket meets the false-positive ratio), Wilson
// interval whiskers, "—" over empty buckets, and the dashed %Correct the ratio asks for.
std::string accuracy_chart(const ClassStats& stats, double max_fp_ratio) {
  std::string svg = svg_open("accuracy-chart", "%Correct per confidence bucket") +
                    percent_axis("confidence bucket: %Correct, 95% interval");
  const double band = kPlotWidth / static_cast<double>(stats.buckets.size());
  for (std::size_t at = 0; at < stats.buckets.size(); ++at) {
    const BucketStats& bucket = stats.buckets[at];
    const double center = kLeft + band * (static_cast<double>(at) + 0.5);
    svg += text(center, kTop + kPlotHeight + 12, "middle", bucket_name(bucket));
    if (bucket.total == 0) {
      svg += "<g class=\"empty-bucket\"><title>" + escape_html(bucket_tooltip(bucket)) +
             "</title>" + text(center, kTop + kPlotHeight - 6, "middle", kEmptyCell, "empty-mark") +
             "</g>";
      continue;
    }
    const double top = y_of_percent(*bucket.percent_correct());
    const double width = band * 0.6;
    const std::string verdict = bucket_acceptable(bucket, max_fp_ratio) ? "ok" : "fails";
    const Interval interval = *bucket.ci95();
    svg += "<g class=\"bucket\"><title>" + escape_html(bucket_tooltip(bucket)) + "</title>";
    svg += "<rect class=\"bar " + verdict + "\" x=\"" + coordinate(center - width / 2) + "\" y=\"" +
           coordinate(top) + "\" width=\"" + coordinate(width) + "\" height=\"" +
           coordinate(std::max(1.0, kTop + kPlotHeight - top)) + "\"/>";
    svg += line(center, y_of_percent(interval.low), center, y_of_percent(interval.high), "whisker");
    for (const double percent : {interval.low, interval.high}) {
      svg += line(center - 5, y_of_percent(percent), center + 5, y_of_percent(percent), "whisker");
    }
    svg += "</g>";
  }
  const double target = 100 / (1 + max_fp_ratio);
  svg += "<g class=\"target-line\"><title>%Correct needed for at most " +
         shortest_decimal(max_fp_ratio) + " false positives per true positive</title>" +
         line(kLeft, y_of_percent(target), kLeft + kPlotWidth, y_of_percent(target), "target") +
         "</g>";
  return svg + "</svg>";
}

// Observed %Correct against the model's confidence: a bar over each bucket's range, the point
// (mean confidence, %Correct) with its gap to the diagonal of perfect calibration.
std::string reliability_chart(const ClassStats& stats) {
  const double low = stats.buckets.front().low;
  const double high = stats.buckets.back().high;
  const auto x_of = [&](double confidence) {
    return kLeft + kPlotWidth * (confidence - low) / (high - low);
  };
  std::string svg = svg_open("reliability-chart", "reliability diagram") +
                    percent_axis("model confidence → observed %Correct");
  for (const auto& bucket : stats.buckets) {
    svg += text(x_of(bucket.low), kTop + kPlotHeight + 12, "middle", shortest_decimal(bucket.low));
  }
  svg += text(x_of(high), kTop + kPlotHeight + 12, "middle", shortest_decimal(high));
  svg += line(x_of(low), y_of_percent(low), x_of(high), y_of_percent(high), "diagonal");
  std::string curve;
  for (const auto& bucket : stats.buckets) {
    if (bucket.total == 0) continue;
    const double observed = y_of_percent(*bucket.percent_correct());
    svg += "<rect class=\"observed\" x=\"" + coordinate(x_of(bucket.low) + 1) + "\" y=\"" +
           coordinate(observed) + "\" width=\"" +
           coordinate(std::max(1.0, x_of(bucket.high) - x_of(bucket.low) - 2)) + "\" height=\"" +
           coordinate(std::max(1.0, kTop + kPlotHeight - observed)) + "\"/>";
  }
  for (const auto& bucket : stats.buckets) {
    if (bucket.total == 0) continue;
    const double x = x_of(*bucket.mean_confidence());
    const double y = y_of_percent(*bucket.percent_correct());
    curve += (curve.empty() ? "" : " ") + coordinate(x) + "," + coordinate(y);
    svg += "<g class=\"reliability-point\"><title>" + escape_html(bucket_tooltip(bucket)) +
           ", mean confidence " + coordinate(*bucket.mean_confidence()) + "</title>" +
           line(x, y, x, y_of_percent(*bucket.mean_confidence()), "gap") +
           "<circle class=\"point\" cx=\"" + coordinate(x) + "\" cy=\"" + coordinate(y) +
           "\" r=\"4\"/></g>";
  }
  if (!curve.empty()) svg += "<polyline class=\"curve\" points=\"" + curve + "\"/>";
  return svg + "</svg>";
}

std::string charts_figure(const ClassStats& stats, std::string_view caption, double max_fp_ratio) {
  return "<figure class=\"class-charts\" data-label=\"" + escape_html(stats.label) +
         "\"><figcaption>" + std::string(caption) + "</figcaption>" +
         accuracy_chart(stats, max_fp_ratio) + reliability_chart(stats) + "</figure>";
}

std::string charts(const Report& report) {
  std::string section = "<section class=\"charts\">";
  for (const auto& stats : report.classes) {
    const std::string caption = escape_html(stats.label) + " — threshold " +
                                threshold_cell(stats.threshold) + ", ECE " + ece_cell(stats.ece);
    section += charts_figure(stats, caption, report.options.max_fp_ratio);
  }
  section += charts_figure(report.totals, "All classes — ECE " + ece_cell(report.totals.ece),
                           report.options.max_fp_ratio);
  return section + "</section>";
}

std::string summary(const Report& report) {
  const ClassStats& totals = report.totals;
  return "<p class=\"summary\">" + std::to_string(totals.total + totals.unreviewed) +
         " images in " + std::to_string(report.classes.size()) +
         " classes: " + std::to_string(totals.total) + " reviewed (" +
         std::to_string(totals.confirmed) + " confirmed, " + std::to_string(totals.disconfirmed) +
         " disconfirmed, " + std::to_string(totals.split) + " split), " +
         std::to_string(totals.unreviewed) +
         " unreviewed.</p><p class=\"note\">%Correct = confirmed / reviewed, with its 95% Wilson "
         "score interval below it; incorrect = disconfirmed + split. Buckets by the model's "
         "confidence, the last one closed. — : no reviewed image.</p>";
}

}  // namespace

std::string report_html(const Report& report) {
  const ReportOptions& options = report.options;
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta "
         "name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Review "
         "report</title><style>" +
         std::string(kStyle) + "</style></head><body><h1>Review report</h1>" + summary(report) +
         accuracy_table(report) + "<h2>Thresholds</h2><p class=\"note\">Method " +
         std::string(threshold_method_name(options.threshold_method)) + ", at most " +
         shortest_decimal(options.max_fp_ratio) +
         " false positives per true positive: the model's label can be trusted at or above a "
         "class's threshold; none means another model or full review.</p>" +
         thresholds_table(report) +
         "<h2>Calibration</h2><p class=\"note\">Expected calibration error (ECE) of "
         "confidence/100 against observed correctness over the buckets; per bucket, mean "
         "confidence → %Correct (reviewed images).</p>" +
         calibration_table(report) +
         "<h2>Charts</h2><p class=\"note\">Left: %Correct per bucket with its 95% interval; green "
         "where the bucket meets the false-positive ratio, orange where it fails; the dashed line "
         "is the %Correct the ratio needs. Right: the reliability diagram; bars and points are "
         "the observed %Correct at each bucket's mean confidence, the dashed diagonal is perfect "
         "calibration, red lines the gap to it.</p>" +
         charts(report) + "</body></html>\n";
}

}  // namespace bulkqa
