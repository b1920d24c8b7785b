/**
 * Kubernetes Services and EndpointSlices compiled as kube-proxy programs them, in its iptables
 * mode and in its IPVS mode (docs/kube.md).
 */
package dev.policyc.compiler.kube;
