// the warning is logged at its position, and failOnWarning makes it fail the build in validate
def log = new File(basedir, 'build.log').text
def web = new File(basedir, 'src/main/policies/web.yaml').canonicalPath
assert log.contains("[WARNING] $web:13:9: PC7004 this rule is redundant")
assert log.contains('policyc check: 0 errors, 1 warning, which failOnWarning makes errors')
assert log.contains('BUILD FAILURE')
assert !new File(basedir, 'target/policyc').exists() : 'compile ran after a failed check'
return true
