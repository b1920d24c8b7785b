// BUILD FAILURE (not ERROR) with the diagnostic at its file, line and column; nothing written
def log = new File(basedir, 'build.log').text
def bad = new File(basedir, 'src/main/policies/bad.yaml').canonicalPath
assert log.contains("[ERROR] $bad:6:25: PC1001 unknown network group 'admins'")
assert log.contains('BUILD FAILURE')
assert log.contains('policyc compile: 1 error, 0 warnings')
assert log.contains('MojoFailureException')
assert !new File(basedir, 'target/policyc/web').exists()
assert !new File(basedir, 'target/classes/com/example/fw/WebClassifier.class').exists()
return true
