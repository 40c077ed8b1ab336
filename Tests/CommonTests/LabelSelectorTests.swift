import Common
import Testing

@Suite struct LabelSelectorTests {
    @Test(arguments: ["app=sync", "app==sync,tier!=web", "app.kubernetes.io/name=sync", "env in (prod, staging)", "env notin (dev)", "backup", "!legacy",
                      "app=sync,!legacy,team in (a,b)", "empty="])
    func validSelectors(selector: String) {
        #expect(LabelSelector.problem(in: selector) == nil)
    }

    @Test(arguments: ["", "app=sync,,x=y", "app=bad value", "-app=x", "env in prod", "a/b/c=x", "env in (ok, no way)"])
    func invalidSelectorsAreNamed(selector: String) {
        #expect(LabelSelector.problem(in: selector) != nil)
    }
}
