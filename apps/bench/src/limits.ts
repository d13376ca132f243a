/** Descriptors a process keeps for itself beyond its sockets (pipes, epoll, pools, a closing socket's). */
const SPARE_FILES = 1000;

/**
 * Refuses a plan this machine cannot hold, naming what stops it: a node or a client worker beyond the
 * open files a process may have, or more sockets per source address than there are ephemeral ports.
 */
export function checkPlan(sockets: number, nodes: number, workers: number, addresses: number, fileLimit: number, ports: number): void {
  const perNode = Math.ceil(sockets / nodes);
  const perWorker = Math.ceil(sockets / workers);
  const perAddress = Math.ceil(sockets / addresses);
  if (perNode + SPARE_FILES > fileLimit) {
    throw new Error(`${nodes} nodes would hold ${perNode} sockets each; a process may open ${fileLimit} files here and a node needs ~${SPARE_FILES} for itself: raise --nodes to ${Math.ceil(sockets / (fileLimit - SPARE_FILES))} or more`);
  }
  if (perWorker + SPARE_FILES > fileLimit) {
    throw new Error(`${workers} client workers would hold ${perWorker} sockets each, beyond the ${fileLimit} open files of a process: raise --workers to ${Math.ceil(sockets / (fileLimit - SPARE_FILES))} or more`);
  }
  if (perAddress + SPARE_FILES > ports) {
    throw new Error(`${addresses} source addresses would each need ${perAddress} ephemeral ports; ${ports} exist per address (net.ipv4.ip_local_port_range): raise --addresses to ${Math.ceil(sockets / (ports - SPARE_FILES))} or more`);
  }
}
