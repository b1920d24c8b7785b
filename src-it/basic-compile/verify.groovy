// the scripts of each policy in its folder, the classifier compiled with the project's classes
def target = new File(basedir, 'target')
['iptables.rules', 'ip6tables.rules', 'report.json', 'apply.sh'].each {
  assert new File(target, "policyc/web/$it").isFile() : "no target/policyc/web/$it"
}
assert new File(target, 'policyc/web/iptables.rules').text.contains('-A INPUT -s 198.51.100.0/26 -p tcp -m tcp --dport 22')
assert new File(target, 'generated-sources/policyc/com/example/fw/WebClassifier.java').isFile()
assert new File(target, 'classes/com/example/fw/WebClassifier.class').isFile()
assert new File(target, 'classes/com/example/fw/WebClassifier.tables').isFile()
def log = new File(basedir, 'build.log').text
assert log.contains('policyc: compiled 1 policy, 1 classifier in package com.example.fw')
return true
