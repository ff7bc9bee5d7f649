/**
 * The route specs of route modules (`(context) => RouteSpec[]`), built without a running system:
 * the context is a stand-in that throws if a module touches it while declaring its routes, so
 * documents can be generated (and checked) with no database or Redis. Modules only use their
 * context inside handlers, which documenting never calls.
 */
export function routeSpecsOf<C, R>(modules: readonly ((context: C) => R[])[]): R[] {
  const inert = new Proxy(
    {},
    {
      get(_target, property) {
        return new Proxy(() => {}, {
          get: (_t, inner) => {
            throw new Error(
              `a route module read context.${String(property)}.${String(inner)} while declaring routes`,
            );
          },
          apply: () => {
            throw new Error(`a route module called context.${String(property)} while declaring routes`);
          },
        });
      },
    },
  ) as C;
  return modules.flatMap((module) => module(inert));
}
