import Foundation

FileHandle.standardError.write(Data("migrate: not implemented yet\n".utf8))
exit(1)
