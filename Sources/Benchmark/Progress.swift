import Foundation

/// Progress lines go to stderr, so stdout holds nothing but the table.
func progress(_ message: String) {
    FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
}
