import Foundation

/// Charts drawn on the server as inline SVG: no script, no chart library, readable without
/// colour (values are labelled and each chart carries its numbers in `<desc>` for screen readers).
enum SVGChart {
    struct Point: Sendable {
        let label: String
        let value: Double?
    }

    static let width = 600.0, height = 220.0
    static let left = 44.0, right = 10.0, top = 14.0, bottom = 34.0

    /// Vertical bars, one per point (e.g. contacts per hour).
    static func bars(id: String, title: String, points: [Point], format: (Double) -> String) -> String {
        var maximum = max(points.compactMap(\.value).max() ?? 0, 1)
        // Counts: the axis's four steps land on whole numbers.
        if maximum > 1, points.allSatisfy({ ($0.value ?? 0) == ($0.value ?? 0).rounded() }) { maximum = (maximum / 4).rounded(.up) * 4 }
        let plotW = width - left - right, plotH = height - top - bottom
        let slot = points.isEmpty ? plotW : plotW / Double(points.count)
        var body = axes(maximum: maximum, format: format)
        for (i, p) in points.enumerated() {
            let value = p.value ?? 0
            let h = plotH * value / maximum
            let x = left + Double(i) * slot + slot * 0.15
            body += ##"<rect x="\##(n(x))" y="\##(n(top + plotH - h))" width="\##(n(slot * 0.7))" height="\##(n(h))" fill="#1f5fbf"><title>\##(escape(p.label)): \##(escape(format(value)))</title></rect>"##
        }
        body += xLabels(points, slot: slot)
        return frame(id: id, title: title, points: points, format: format, body: body)
    }

    /// A line over the points; a point without a value (nothing to divide by) breaks the line.
    static func line(id: String, title: String, points: [Point], maximum fixed: Double? = nil, format: (Double) -> String) -> String {
        let maximum = fixed ?? max(points.compactMap(\.value).max() ?? 0, 1)
        let plotW = width - left - right, plotH = height - top - bottom
        let slot = points.isEmpty ? plotW : plotW / Double(points.count)
        var body = axes(maximum: maximum, format: format)
        var segment: [String] = []
        var segments: [[String]] = []
        for (i, p) in points.enumerated() {
            guard let value = p.value else {
                if !segment.isEmpty { segments.append(segment); segment = [] }
                continue
            }
            let x = left + Double(i) * slot + slot / 2, y = top + plotH - plotH * min(value, maximum) / maximum
            segment.append("\(n(x)),\(n(y))")
            body += ##"<circle cx="\##(n(x))" cy="\##(n(y))" r="3.5" fill="#1f5fbf"><title>\##(escape(p.label)): \##(escape(format(value)))</title></circle>"##
        }
        if !segment.isEmpty { segments.append(segment) }
        for s in segments where s.count > 1 {
            body += ##"<polyline points="\##(s.joined(separator: " "))" fill="none" stroke="#1f5fbf" stroke-width="2"/>"##
        }
        body += xLabels(points, slot: slot)
        return frame(id: id, title: title, points: points, format: format, body: body)
    }

    private static func frame(id: String, title: String, points: [Point], format: (Double) -> String, body: String) -> String {
        let desc = points.map { "\($0.label): \($0.value.map(format) ?? "—")" }.joined(separator: "; ")
        return ##"<svg id="\##(escape(id))" class="chart" viewBox="0 0 \##(n(width)) \##(n(height))" role="img" aria-labelledby="\##(escape(id))-t \##(escape(id))-d" xmlns="http://www.w3.org/2000/svg">"##
            + ##"<title id="\##(escape(id))-t">\##(escape(title))</title><desc id="\##(escape(id))-d">\##(escape(desc))</desc>"##
            + body + "</svg>"
    }

    private static func axes(maximum: Double, format: (Double) -> String) -> String {
        let plotH = height - top - bottom
        var out = ""
        for step in 0...4 {
            let value = maximum * Double(step) / 4, y = top + plotH - plotH * Double(step) / 4
            out += ##"<line x1="\##(n(left))" y1="\##(n(y))" x2="\##(n(width - right))" y2="\##(n(y))" stroke="#d9dee7" stroke-width="1"/>"##
            out += ##"<text x="\##(n(left - 4))" y="\##(n(y + 4))" font-size="10" text-anchor="end" fill="#5b6473">\##(escape(format(value)))</text>"##
        }
        return out
    }

    /// At most about twelve labels under the axis, so they never overlap.
    private static func xLabels(_ points: [Point], slot: Double) -> String {
        let every = max(1, Int((Double(points.count) / 12).rounded(.up)))
        var out = ""
        for (i, p) in points.enumerated() where i % every == 0 {
            let x = left + Double(i) * slot + slot / 2
            out += ##"<text x="\##(n(x))" y="\##(n(height - bottom + 16))" font-size="10" text-anchor="middle" fill="#5b6473">\##(escape(p.label))</text>"##
        }
        return out
    }

    private static func n(_ v: Double) -> String { String(format: "%.1f", v) }

    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
