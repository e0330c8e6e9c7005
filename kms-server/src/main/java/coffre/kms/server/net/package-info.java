/**
 * Transport helpers shared by the edges (the gRPC port and the XKS listener): how answers leave a
 * connection ({@link coffre.kms.server.net.CoalescedFlushes}), and the one reach into Vert.x's
 * internals that needs ({@link coffre.kms.server.net.ConnectionPipelines}). No rule of the domain
 * lives here.
 */
package coffre.kms.server.net;
