import Common
import Foundation

/// Seconds as `Double`, the unit every figure of the table is computed in.
func seconds(since start: ContinuousClock.Instant) -> Double { (ContinuousClock.now - start).seconds }

func format(_ value: Double, digits: Int) -> String { String(format: "%.\(digits)f", value) }
