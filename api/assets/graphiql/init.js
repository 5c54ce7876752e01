// Starts GraphiQL against this server's /graphql, with an Authorization header waiting
// for a key in the headers editor (shown open). Headers are not persisted: a key stays
// in this tab only.
(function () {
  var root = document.getElementById("graphiql");
  var url = new URL("/graphql", window.location.origin).toString();
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: url }),
      defaultHeaders: JSON.stringify({ Authorization: "Bearer " }, null, 2),
      defaultEditorToolsVisibility: "headers",
    })
  );
})();
