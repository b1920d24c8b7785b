/** Kubernetes Services and EndpointSlices compiled as kube-proxy programs them (docs/kube.md). */
package dev.policyc.compiler.kube;
