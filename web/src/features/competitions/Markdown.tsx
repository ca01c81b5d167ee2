// Markdown rendered safely: react-markdown builds React elements and never injects
// raw HTML (no rehype-raw). Raw HTML in the source is turned into plain text first,
// so a <script> in an overview is shown as the characters the host typed. Loaded on
// demand so the first page does not carry the parser.
import ReactMarkdown from "react-markdown";

type MdNode = { type: string; children?: MdNode[] };

function htmlAsText() {
  const walk = (node: MdNode) => {
    if (node.type === "html") node.type = "text";
    node.children?.forEach(walk);
  };
  return walk;
}

export default function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={[htmlAsText]}>{text}</ReactMarkdown>
    </div>
  );
}
