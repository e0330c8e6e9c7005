/**
 * Transport helpers shared by the edges (the gRPC port, the XKS and DKE listeners): how answers leave a
 * connection ({@link coffre.kms.server.net.CoalescedFlushes}), and the one reach into Vert.x's
 * internals that needs ({@link coffre.kms.server.net.ConnectionPipelines}), and the CA bundles the
 * edges trust ({@link coffre.kms.server.net.PemTrust}). No rule of the domain
 * lives here.
 */
package coffre.kms.server.net;
