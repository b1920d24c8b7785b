// the project's own test ran against the classifier generated in the same build
def report = new File(basedir, 'target/surefire-reports/com.example.fw.WebPolicyTest.txt')
assert report.isFile() : 'the test did not run'
assert report.text.contains('Tests run: 3, Failures: 0, Errors: 0, Skipped: 0')
return true
