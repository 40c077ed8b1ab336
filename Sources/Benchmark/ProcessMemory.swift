import Foundation

/// Resident memory of a process from `/proc/<pid>/status`: `VmHWM` is the peak resident set
/// since the process started, `VmRSS` the current one, split into `RssAnon` (the heap and stacks:
/// what the program itself holds) and `RssFile` (pages of mapped files, mostly shared libraries).
struct ProcessMemory: Sendable {
    var peakBytes: Int
    var currentBytes: Int
    var anonymousBytes: Int
    var fileBytes: Int

    static func read(pid: Int32) -> ProcessMemory? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        var fields: [String: Int] = [:]
        for line in status.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" })
            // "VmHWM:	   23456 kB"
            if parts.count == 3, parts[2] == "kB", let kib = Int(parts[1]) { fields[String(parts[0])] = kib * 1024 }
        }
        guard let peak = fields["VmHWM"], let current = fields["VmRSS"], let anonymous = fields["RssAnon"], let file = fields["RssFile"] else { return nil }
        return ProcessMemory(peakBytes: peak, currentBytes: current, anonymousBytes: anonymous, fileBytes: file)
    }
}
