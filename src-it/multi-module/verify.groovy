// the firewall module's classifier, on the app module's test class path
def report = new File(basedir, 'app/target/surefire-reports/com.example.app.FirewallTest.txt')
assert report.isFile() : 'the app test did not run'
assert report.text.contains('Tests run: 1, Failures: 0, Errors: 0, Skipped: 0')
assert !new File(basedir, 'firewall/target/policyc/web').exists() : 'targets java writes no scripts'
return true
