import Common
import Synchronization
import Testing

@Suite struct TextHelpersTests {
    @Test(arguments: [
        ("  a b \t", "a b"),
        ("\n a \n", "\n a \n"),
        ("", ""),
        ("   ", ""),
        ("\u{00A0}x\u{2003}", "x"),
    ])
    func trimmingSpacesKeepsLineBreaks(text: String, trimmed: String) {
        #expect(text.trimmingSpaces() == trimmed)
    }

    @Test(arguments: [
        ("\n a b \r\n", "a b"),
        ("\t\n", ""),
        ("x", "x"),
    ])
    func trimmingWhitespaceDropsLineBreaksToo(text: String, trimmed: String) {
        #expect(text.trimmingWhitespace() == trimmed)
        #expect(text[...].trimmingWhitespace() == trimmed, "substrings trim the same")
    }

    @Test(arguments: [
        (1.5, 2, "1.50"),
        (0.125, 2, "0.13"),
        (2.0, 0, "2"),
        (-0.5, 1, "-0.5"),
        (-0.001, 2, "0.00"),
        (12.3456, 3, "12.346"),
        (0.05, 2, "0.05"),
    ])
    func fixedPointHasExactlyTheDigitsAsked(value: Double, digits: Int, text: String) {
        #expect(fixedPoint(value, digits: digits) == text)
    }

    @Test func startedThreadRunsItsWork() async {
        let ran = Mutex(false)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            startThread(name: "a-name-longer-than-fifteen-bytes") {
                ran.withLock { $0 = true }
                done.resume()
            }
        }
        #expect(ran.withLock { $0 })
    }
}
