// build.log holds both builds: the first compiles, the second finds its stamp and does nothing
// (the source root is still added: the classifier is compiled with the project either way)
def builds = new File(basedir, 'build.log').text.split(/\[INFO\] Scanning for projects/)
assert builds.length == 3 : "expected two builds in build.log, found ${builds.length - 1}"
assert builds[1].contains('policyc: compiled 1 policy, 1 classifier in package com.example.fw')
assert builds[2].contains('policyc: nothing to compile (1 policy up to date)')
assert !builds[2].contains('compiled web')
assert new File(basedir, 'target/policyc/.policyc-stamp').isFile()
assert new File(basedir, 'target/generated-sources/policyc/com/example/fw/WebClassifier.java').isFile()
return true
