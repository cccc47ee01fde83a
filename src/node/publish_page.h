// The page the node serves at GET /publish: a browser publishes its camera
// and microphone to the node over WHIP, from the node's own origin. The API
// key, session, token and stream ID come in the URL fragment (never sent to
// the server in the request line): /publish#apiKey=..&session=..&token=..
#ifndef RTPARCHIVE_NODE_PUBLISH_PAGE_H_
#define RTPARCHIVE_NODE_PUBLISH_PAGE_H_

namespace rtparchive::node {

const char* PublishPageHtml();

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_PUBLISH_PAGE_H_
